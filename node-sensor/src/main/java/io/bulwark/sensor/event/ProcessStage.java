package io.bulwark.sensor.event;

import io.bulwark.sensor.enrich.ContainerLookup;
import io.bulwark.sensor.enrich.CredBaseline;
import io.bulwark.sensor.enrich.ProcessTable;
import io.bulwark.sensor.enrich.UpperLayers;
import io.bulwark.sensor.probe.RawEvent;
import java.util.List;

/**
 * The process-tracking stage: keeps the process table current from the lifecycle records (fork, exec,
 * exit) and each process's credential baseline from every record, and says when a container process holds
 * root or capabilities that nothing it did explains ({@code cred_unexplained}). Reads /proc where the table
 * does (a process it missed) and a container's upper layer at an exec. One per sensor, one thread.
 */
public final class ProcessStage {
    private final ProcessTable processes;
    private final ContainerLookup containers;
    private final UpperLayers upperLayers;
    private final CredBaseline creds = new CredBaseline();

    public ProcessStage(ProcessTable processes, ContainerLookup containers) {
        this(processes, containers, new UpperLayers());
    }

    ProcessStage(ProcessTable processes, ContainerLookup containers, UpperLayers upperLayers) {
        this.processes = processes;
        this.containers = containers;
        this.upperLayers = upperLayers;
    }

    /**
     * Before the event is built: a fork or exec updates the table, and the record's creds are checked against
     * the process's baseline (setuid-family results update it). Returns the privileges a container process
     * gained unexplained (for {@code cred_unexplained}), or null.
     */
    public List<String> track(RecordDecoder.Decoded d) {
        RawEvent r = d.raw();
        List<String> gained;
        switch (r.op()) {
            case RawEvent.OP_FORK -> {
                processes.onFork(r.pid(), r.ppid(), r.comm(), r.ktime());
                creds.onFork(r.pid(), r.ppid(), credsOf(r));
                return null;
            }
            case RawEvent.OP_EXEC -> gained = exec(d);
            case RawEvent.OP_CGROUP_MKDIR -> {
                return null;
            }
            default -> {
                int set = r.op() == RawEvent.OP_SYSCALL && r.ret() == 0 ? CredBaseline.euidSet(d.type(), r.args()[0], r.args()[1]) : -1;
                gained = creds.onEvent(r.pid(), credsOf(r), set);
            }
        }
        return gained != null && r.contained() ? gained : null;
    }

    /** After the event is built: a process's exit leaves the table (its exit event still named it). */
    public void after(RawEvent r) {
        if (r.op() == RawEvent.OP_EXIT) {
            processes.onExit(r.pid(), r.ktime());
            creds.onExit(r.pid());
        }
    }

    private List<String> exec(RecordDecoder.Decoded d) {
        RawEvent r = d.raw();
        @SuppressWarnings("unchecked")
        List<String> argv = (List<String>) d.args().get("argv");
        String filename = r.s0();
        String dentry = r.s2();
        // Inside a container, a name proves nothing (anyone can run a binary called runc): an exec
        // there keeps runtime work only when a runtime process re-executes itself. On the host,
        // the runtime binaries themselves start it.
        boolean selfReexec = filename.equals("/proc/self/exe") || dentry.contains("runc_cloned");
        boolean runtimeExe = r.contained()
                ? processes.runtimeWork(r.pid()) && selfReexec
                : ProcessTable.isRuntimeExe(filename) || ProcessTable.isRuntimeExe(dentry)
                        || (selfReexec && processes.runtimeWork(r.pid()));
        boolean upper = r.contained() && upperLayers.inUpperLayer(containers.resolve(r.cgroupId(), true), r.pid(), filename);
        processes.onExec(r.pid(), r.ppid(), r.comm(), filename, argv, runtimeExe, upper, r.ktime());
        int mode = (int) r.args()[2];
        return creds.onExec(r.pid(), credsOf(r), mode, (int) r.args()[3], (r.flags() & RawEvent.F_SECUREEXEC) != 0);
    }

    private static CredBaseline.Creds credsOf(RawEvent r) {
        return new CredBaseline.Creds(r.uid(), r.capEff(), r.capPrm(), r.userNs() & 0xffffffffL);
    }
}
