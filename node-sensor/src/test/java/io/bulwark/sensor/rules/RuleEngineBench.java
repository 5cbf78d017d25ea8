package io.bulwark.sensor.rules;

import io.bulwark.contract.ProcessInfo;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.local.Rulesets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Events per second through a loaded ruleset, one thread. Run with bench/rules.sh.
 *
 * <p>{@code ruleset=escape}: Bulwark's built-in escape ruleset (loaded as {@link Rulesets} does) over
 * 1024 events shaped like what the sensor sends: execs in containers, opens of paths under the
 * sensitive prefixes that are benign, setns/mount by the runtime's own work, connects to unix and
 * inet sockets, a few host-side events, and about 5% that match a rule.
 *
 * <p>{@code ruleset=falco}: Falco's falco_rules.yaml (or {@code -Dbulwark.bench.rules=FILE} in the
 * corpus) over 1024 synthetic events, about 45% benign opens, 30% benign execs, 10% connects, 5%
 * event types no rule asks for, 10% that match a rule.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class RuleEngineBench {
    @Param({"escape", "falco"})
    public String ruleset;

    RuleEngine engine; // package-private: RuleTypeCost reuses the trial's engine and events
    SensorEvent[] events;
    private int next;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        String name;
        LoadResult r;
        if (ruleset.equals("escape")) {
            name = Rulesets.BUILTIN_NAME;
            r = Rulesets.loadResult(true, List.of());
            events = escapeMix(1024, new Random(42)).toArray(new SensorEvent[0]);
        } else {
            Path rules = corpus().resolve(System.getProperty("bulwark.bench.rules", "falco_rules.yaml"));
            name = rules.getFileName().toString();
            r = new RuleLoader().load(List.of(rules));
            events = mix(1024, new Random(42)).toArray(new SensorEvent[0]);
        }
        if (r.hasErrors()) {
            throw new IllegalStateException("rules do not load: " + r.errors());
        }
        engine = r.engine();
        int matching = 0;
        for (SensorEvent e : events) {
            matching += engine.evaluate(e).isEmpty() ? 0 : 1;
        }
        System.err.printf("ruleset %s: %d rules, %d of %d events match%n", name, engine.rules().size(), matching, events.length);
    }

    /** Evaluate and render the output of every match: what the sensor does per event. */
    @Benchmark
    public void evaluate(Blackhole bh) {
        bh.consume(engine.evaluate(events[next++ & 1023]));
    }

    /** Evaluate only (no output rendering). */
    @Benchmark
    public int match() {
        return engine.count(events[next++ & 1023]);
    }

    static List<SensorEvent> mix(int n, Random rnd) {
        String[] files = {"/etc/hosts", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/var/log/nginx/access.log", "/tmp/upload-1",
            "/proc/self/status", "/etc/nginx/nginx.conf", "/app/node_modules/x/index.js", "/etc/ld.so.cache"};
        String[][] procs = {{"nginx", "/usr/sbin/nginx"}, {"node", "/usr/local/bin/node"}, {"python3", "/usr/bin/python3"},
            {"java", "/opt/java/bin/java"}, {"sh", "/bin/sh"}};
        List<SensorEvent> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int kind = i % 20;
            String[] p = procs[rnd.nextInt(procs.length)];
            Ev e;
            if (kind < 9) {
                e = Ev.open(files[rnd.nextInt(files.length)], rnd.nextBoolean() ? "O_RDONLY|O_CLOEXEC" : "O_WRONLY|O_APPEND")
                        .proc(p[0], p[1]).parent("containerd-shim", "/usr/bin/containerd-shim", "containerd-shim");
            } else if (kind < 15) {
                e = Ev.exec(rnd.nextBoolean() ? "sh" : "ls", "/bin/busybox", "-c", "echo " + i).parent(p[0], p[1], p[0])
                        .parent("containerd-shim", "/usr/bin/containerd-shim", "containerd-shim");
            } else if (kind < 17) {
                e = Ev.of("connect").arg("fd", 5).arg("family", "AF_INET").arg("addr", "10.0.0." + (i % 250)).arg("port", 443)
                        .result(0, null).proc(p[0], p[1]);
            } else if (kind == 17) {
                e = Ev.of(rnd.nextBoolean() ? "mount" : "setns").arg("target", "/mnt").result(-1, "EPERM").proc(p[0], p[1]);
            } else {
                e = switch (i % 5) {
                    case 0 -> Ev.open("/sys/fs/cgroup/rdma/release_agent", "O_WRONLY|O_TRUNC").caps(Ev.CAP_SYS_ADMIN);
                    case 1 -> Ev.of("ptrace").arg("request", "PTRACE_ATTACH").arg("pid", 1).proc("gdb", "/usr/bin/gdb");
                    case 2 -> Ev.open("/etc/shadow", "O_RDONLY").proc("python3", "/usr/bin/python3", "steal.py");
                    case 3 -> Ev.of("finit_module").arg("fd", 3).caps(Ev.CAP_SYS_MODULE).result(-38, "ENOSYS");
                    default -> Ev.exec("xmrig", "/tmp/xmrig").upperLayer();
                };
            }
            out.add(e.build());
        }
        Collections.shuffle(out, rnd);
        return out;
    }

    /** What the sensor sends from a node running ordinary containers, with a few escape attempts. */
    static List<SensorEvent> escapeMix(int n, Random rnd) {
        // paths under the sensor's sensitive prefixes (/proc, /sys, /dev, /etc, /var/lib/kubelet ...) that are benign
        String[][] opens = {{"/proc/self/status", "O_RDONLY|O_CLOEXEC"}, {"/proc/meminfo", "O_RDONLY|O_CLOEXEC"},
            {"/proc/self/mountinfo", "O_RDONLY|O_CLOEXEC"}, {"/sys/fs/cgroup/cpu.max", "O_RDONLY|O_CLOEXEC"},
            {"/sys/fs/cgroup/memory.max", "O_RDONLY"}, {"/dev/null", "O_WRONLY|O_CREAT|O_TRUNC"}, {"/dev/urandom", "O_RDONLY"},
            {"/etc/passwd", "O_RDONLY|O_CLOEXEC"}, {"/etc/resolv.conf", "O_RDONLY|O_CLOEXEC"}, {"/etc/ssl/certs/ca-certificates.crt", "O_RDONLY"},
            {"/proc/sys/net/core/somaxconn", "O_RDONLY"}, {"/proc/self/fd", "O_RDONLY|O_DIRECTORY|O_CLOEXEC"},
            {"/var/run/secrets/kubernetes.io/serviceaccount/token", "O_RDONLY"}, {"/dev/tty", "O_RDWR"},
            {"/proc/self/attr/current", "O_WRONLY|O_CLOEXEC"}, {"/sys/kernel/mm/transparent_hugepage/enabled", "O_RDONLY"}};
        String[][] procs = {{"nginx", "/usr/sbin/nginx"}, {"node", "/usr/local/bin/node"}, {"python3", "/usr/bin/python3"},
            {"java", "/opt/java/bin/java"}, {"sh", "/bin/sh"}, {"postgres", "/usr/lib/postgresql/16/bin/postgres"}};
        String[] execs = {"sh", "ls", "cat", "grep", "curl", "date", "sleep", "python3"};
        String[] unix = {"/var/run/nscd/socket", "/run/systemd/journal/socket", "/run/dbus/system_bus_socket", "/tmp/.s.PGSQL.5432"};
        List<SensorEvent> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int kind = i % 40;
            String[] p = procs[rnd.nextInt(procs.length)];
            SensorEvent e;
            if (kind < 14) {
                String[] o = opens[rnd.nextInt(opens.length)];
                e = Ev.open(o[0], o[1]).proc(p[0], p[1]).uid(rnd.nextInt(3) == 0 ? 0 : 1000)
                        .parent("containerd-shim", "/usr/bin/containerd-shim-runc-v2", "containerd-shim-runc-v2 -namespace k8s.io").build();
            } else if (kind < 24) {
                String c = execs[rnd.nextInt(execs.length)];
                e = Ev.exec(c, "/usr/bin/" + c, "-c", "echo " + i).parent(p[0], p[1], p[0])
                        .parent("containerd-shim", "/usr/bin/containerd-shim-runc-v2", "containerd-shim-runc-v2").build();
            } else if (kind < 28) {
                // runc init joining the container's namespaces: the runtime's own work
                e = runtimeWork(Ev.of("setns").arg("fd", 5).arg("nstype", "CLONE_NEWNET").arg("ns_type", "net")
                        .arg("ns_inum", 4026532000L + i % 50).arg("ns_host", false).result(0, null)
                        .proc("runc:[2:INIT]", "/usr/bin/runc", "init").parent("runc", "/usr/bin/runc", "runc create").build());
            } else if (kind < 32) {
                e = Ev.of("connect").arg("fd", 4).arg("family", "AF_UNIX").arg("path", unix[rnd.nextInt(unix.length)])
                        .result(0, null).proc(p[0], p[1]).build();
            } else if (kind < 35) {
                e = Ev.of("connect").arg("fd", 6).arg("family", "AF_INET").arg("addr", "10.96.0." + (i % 250)).arg("port", 443)
                        .result(0, null).proc(p[0], p[1]).build();
            } else if (kind == 35) {
                e = runtimeWork(Ev.of("mount").arg("source", "proc").arg("target", "/proc").arg("fstype", "proc").result(0, null)
                        .proc("runc:[2:INIT]", "/usr/bin/runc", "init").build());
            } else if (kind == 36) {
                // host side: the runtime itself, and a host shell
                e = rnd.nextBoolean()
                        ? Ev.exec("runc", "/usr/bin/runc", "--root", "/run/containerd/runc/k8s.io", "exec", "-t", "abc").host().build()
                        : Ev.open("/etc/shadow", "O_RDONLY").proc("sshd", "/usr/sbin/sshd").host().build();
            } else if (kind == 37) {
                e = Ev.of("clone").arg("flags", "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD").result(4300, null)
                        .proc(p[0], p[1]).build();
            } else {
                e = switch (i % 8) {
                    case 0 -> Ev.open("/sys/fs/cgroup/rdma/release_agent", "O_WRONLY|O_TRUNC").caps(Ev.CAP_SYS_ADMIN).build();
                    case 1 -> Ev.of("ptrace").arg("request", "PTRACE_ATTACH").arg("pid", 1).proc("gdb", "/usr/bin/gdb").build();
                    case 2 -> Ev.exec("kubectl", "/usr/local/bin/kubectl", "get", "secrets").build();
                    case 3 -> Ev.of("connect").arg("fd", 3).arg("family", "AF_UNIX").arg("path", "/var/run/docker.sock").result(0, null).build();
                    case 4 -> Ev.of("setns").arg("fd", 3).arg("nstype", "0").arg("ns_type", "mnt").arg("ns_inum", 4026531841L)
                            .arg("ns_host", true).result(-1, "EPERM").build();
                    case 5 -> Ev.of("mount").arg("source", "/dev/sda1").arg("target", "/mnt").arg("fstype", "ext4").result(-1, "EPERM").build();
                    case 6 -> Ev.of("finit_module").arg("fd", 3).caps(Ev.CAP_SYS_MODULE).result(-38, "ENOSYS").build();
                    default -> Ev.exec("xmrig", "/tmp/xmrig").upperLayer().build();
                };
            }
            out.add(e);
        }
        Collections.shuffle(out, rnd);
        return out;
    }

    /** The same event from a process doing the runtime's own work (runc init, runc exec setup). */
    private static SensorEvent runtimeWork(SensorEvent e) {
        ProcessInfo p = e.process();
        ProcessInfo q = new ProcessInfo(p.pid(), p.tid(), p.ppid(), p.vpid(), p.uid(), p.gid(), p.loginuid(), p.comm(), p.exe(), p.args(),
                p.cmdline(), p.tty(), p.cgroupId(), p.ns(), p.capEffective(), p.capPermitted(), p.exeUpperLayer(), true, p.ancestors());
        return new SensorEvent(e.time(), e.syscall(), q, e.container());
    }

    static Path corpus() {
        String prop = System.getProperty("bulwark.falcoRules");
        if (prop != null) {
            return Path.of(prop);
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path c = d.resolve("shared/compat/falco-rules");
            if (Files.isDirectory(c)) {
                return c;
            }
        }
        throw new IllegalStateException("Falco rule corpus not found: set -Dbulwark.falcoRules=DIR");
    }
}
