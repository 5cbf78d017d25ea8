package io.bulwark.sensor;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.sensor.enrich.ContainerResolver;
import io.bulwark.sensor.enrich.Containers;
import io.bulwark.sensor.enrich.ProcessTable;
import io.bulwark.sensor.enrich.StateRoots;
import io.bulwark.sensor.event.SyscallTable;
import io.bulwark.sensor.probe.RawEvent;
import io.bulwark.sensor.probe.RingBuffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * JIT warm-up before the sensor attaches: synthetic kernel records run through the code the
 * real ones take — the ring-buffer reader, the repeat test, the decoder, the process table,
 * container attribution and the caller's sink (the rules) — so that a flood right after start
 * meets compiled code. Without it the first storm after start-up was decoded by the interpreter
 * and C1 while the compilers competed for the same two cores, and dropped 179k-430k events
 * (docs/benchmarks.md).
 *
 * <p>Nothing here touches the sensor that will run: the records go through a separate
 * {@link RecordPipeline} (the sensor's record code) with its own process table (one made-up process, pid {@link #PID}, above any
 * pid_max, whose /proc is never read: the table's root does not exist), its own containers (one
 * made-up container, {@link #CONTAINER_ID}) and a ring in process memory. The sink must act on
 * nothing.
 *
 * <p>The mix follows what floods look like: a storm of identical calls (the repeat path, with its
 * periodic full decode), calls that differ every time (the full path), opens, mounts and unshares
 * with their strings, host processes, and now and then a fork, exec and exit and a new cgroup, so
 * that none of those paths is a branch the compiled code has never seen.
 */
final class WarmUp {
    /** Rounds and records per round run by the sensor's start; then it waits for the compilers to finish what the records queued. */
    static final int ROUNDS = 4, RECORDS = 75_000;
    /** The longest wait for the compilers, and how long they must have finished nothing to be done. */
    static final long COMPILE_WAIT_MAX_MS = 3_000, COMPILE_QUIET_MS = 150;
    /** The made-up process: above the kernel's largest pid_max (2^22), so never a real one. */
    static final int PID = 0x3fff_0000;
    static final String CONTAINER_ID = "bulwark-jit-warm-up";
    private static final long CGROUP = 0x7fff_0000_0000_0001L;
    private static final int RUNTIME_PID = PID + 300;
    private static final String NOWHERE = "/nonexistent/bulwark-warm-up";
    private static final int EBADF = 9, EPERM = 1;
    /** Every syscall the probe can send, so each one's decoding has run. */
    private static final List<String> WATCHED = java.util.stream.Stream.concat(
            io.bulwark.sensor.probe.Watchlist.EVERYWHERE.stream(), io.bulwark.sensor.probe.Watchlist.CONTAINER_ONLY.stream()).distinct().toList();

    /** What a warm-up did: records run, of which repeats, events handed to the sink, records that failed (0 unless a bug), time taken. */
    record Result(long records, long repeats, long events, long errors, long millis, long compileWaitMillis) { }

    private WarmUp() {
    }

    /**
     * Runs {@code rounds} rounds of {@code records} synthetic records, each on a new thread into a
     * new shadow sensor and a new sink from {@code sinks}, then waits for the compilers. Fresh state
     * every round means the compiled code has also seen what only happens once per thread or per
     * sensor (a thread's first thread-local, an empty process table, cache or coalescer, a first
     * container): the real sensor's first events then take no branch the JIT thought dead.
     */
    static Result run(Supplier<EventSink> sinks, int rounds, int records) {
        long t0 = System.nanoTime();
        long[] totals = new long[4];
        for (int k = 0; k < rounds; k++) {
            EventSink sink = sinks.get();
            Throwable[] failure = new Throwable[1];
            int round = k;
            Thread t = new Thread(() -> {
                try {
                    long[] one = round(sink, records, round == 2);
                    for (int j = 0; j < one.length; j++) {
                        totals[j] += one[j];
                    }
                } catch (RuntimeException | Error e) {
                    failure[0] = e;
                }
            }, "bulwark-warm-up-" + k);
            t.start();
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (failure[0] != null) {
                throw new IllegalStateException("JIT warm-up failed: " + failure[0], failure[0]);
            }
        }
        long compileWaitMs = awaitCompilers();
        return new Result(totals[0], totals[1], totals[2], totals[3], (System.nanoTime() - t0) / 1_000_000, compileWaitMs);
    }

    /** One round; returns records, repeats, events, errors. */
    private static long[] round(EventSink sink, int records, boolean viaResolver) {
        ProcessTable table = new ProcessTable(Path.of(NOWHERE, "proc"));
        table.onExec(PID, PID - 1, "bwwarm", "/usr/local/bin/bwwarm", List.of("bwwarm", "--flood", "-n", "2"), false, 0);
        table.onExec(PID + 100, 1, "bwhost", "/usr/sbin/bwhost", List.of("bwhost"), false, 0);
        table.onExec(RUNTIME_PID, PID + 100, "runc:[2:INIT]", "/usr/sbin/runc", List.of("runc", "init"), true, 0);
        ContainerInfo box = new ContainerInfo(CONTAINER_ID, "warm-up", "runc", "bulwark/warm-up:1", PID, "running",
                NOWHERE, NOWHERE + "/rootfs", "/bulwark-warm-up", false,
                List.of("CAP_CHOWN", "CAP_NET_BIND_SERVICE"), List.of(), List.of(), 0, true, "", "", true,
                List.of(), List.of(), List.of(), new ContainerInfo.K8s("warm-up", "warm-up-0", "0", "app"), Map.of(), "/");
        // one round through the class the sensor really uses (a resolver over empty state: no
        // container is ever found), so that call site is not compiled for the warm-up's class alone
        // (with the synthetic container in it, so the lookup sees hits as well as misses)
        Containers containers = viaResolver
                ? Containers.of(ContainerResolver.withSyntheticContainer(StateRoots.under(Path.of(NOWHERE)), CGROUP, box))
                : new Containers() {
            @Override
            public void refresh() {
            }

            @Override
            public Iterable<ContainerInfo> all() {
                return List.of(box);
            }

            @Override
            public ContainerInfo byCgroupId(long cgroupId) {
                return cgroupId == CGROUP ? box : null;
            }

            @Override
            public ContainerInfo resolve(long cgroupId, boolean containerised) {
                return byCgroupId(cgroupId);
            }
        };
        // the sink itself, not a wrapper: the sensor's call sites must learn the class the real sink has;
        // a filter feedback with no probe runs the same code and pushes nothing to the kernel
        RecordPipeline shadow = new RecordPipeline(table, containers, sink, c -> { },
                new KernelFilterFeedback(null, containers), 0, RecordPipeline.hostNamespaces());
        shadow.timeline(new io.bulwark.sensor.evidence.ContainerTimeline(io.bulwark.sensor.evidence.ContainerTimeline.Limits.defaults())); // the record path with a timeline, as `up` runs it
        RingBuffer ring = RingBuffer.inMemory(1 << 13); // small: the reader is called often, as in a flood where it keeps catching up with the kernel
        RingBuffer.Handler handler = shadow.handler();
        Records r = new Records();
        for (int i = 0; i < records; i++) {
            r.next(i);
            // now and then a record the kernel is still writing (the reader stops there) or has discarded
            int bits = (i & 4095) == 1234 ? RingBuffer.OFFER_BUSY : (i & 2047) == 777 ? RingBuffer.OFFER_DISCARDED : 0;
            while (!ring.offer(r.buf, r.len, bits)) {
                ring.consume(handler);
            }
            if (bits == RingBuffer.OFFER_BUSY) {
                ring.consume(handler);
                ring.commit();
            }
        }
        ring.consume(handler);
        ring.close();
        Map<String, Long> c = shadow.counters();
        long errors = c.get("decode_errors") + c.get("consumer_errors") + ring.recordErrors();
        return new long[] {records, c.get("repeats"), c.get("decoded"), errors};
    }

    /**
     * Waits, without running anything, until the JIT compilers have finished no compilation for
     * {@link #COMPILE_QUIET_MS} (or {@link #COMPILE_WAIT_MAX_MS} have passed): the records have
     * queued the hot code, and on two cores the queue drains faster with nothing else running.
     * Returns the time waited.
     */
    private static long awaitCompilers() {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return 0;
        }
        long start = System.nanoTime();
        long last = jit.getTotalCompilationTime();
        long quietSince = start;
        while (true) {
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            long now = System.nanoTime();
            long total = jit.getTotalCompilationTime();
            if (total != last) {
                last = total;
                quietSince = now;
            } else if (now - quietSince >= COMPILE_QUIET_MS * 1_000_000) {
                break;
            }
            if (now - start >= COMPILE_WAIT_MAX_MS * 1_000_000) {
                break;
            }
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** The synthetic records, laid out as the kernel writes struct bw_event. */
    private static final class Records {
        final ByteBuffer buf = ByteBuffer.allocate(RawEvent.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        int len;
        private long ktime = 1_000_000_000L;
        private final SyscallTable table = SyscallTable.get();
        private final int setns = table.number("setns"), openat = table.number("openat"), mount = table.number("mount"),
                unshare = table.number("unshare");

        void next(int i) {
            int step = i & 63;
            int child = PID + 1 + ((i >>> 6) & 31);
            if (i < 256) { // a quiet start: host opens that match no rule (an empty coalescer, nothing to expire)
                syscall(openat, PID + 100, PID + 100, false, 3);
                buf.putLong(RawEvent.OFF_ARGS, -100);
                strings("/tmp/bulwark-warm-up-" + (i & 7), null, null);
            } else if ((i & 4095) == 4000) {
                lifecycle(RawEvent.OP_FORK, child, PID, true);
            } else if ((i & 4095) == 4001) {
                lifecycle(RawEvent.OP_EXEC, child, PID, true);
                strings("/bin/sh", "sh\0-c\0true\0", "sh");
                buf.putLong(RawEvent.OFF_AUX, "sh\0-c\0true\0".length());
                buf.putLong(RawEvent.OFF_ARGS + 16, 0100755);
            } else if ((i & 4095) == 4002) {
                lifecycle(RawEvent.OP_EXIT, child, PID, true);
            } else if ((i & 16383) == 9000) {
                lifecycle(RawEvent.OP_CGROUP_MKDIR, PID + 100, 1, false);
                strings("/sys/fs/cgroup/bulwark-warm-up", null, null);
                buf.putLong(RawEvent.OFF_ARGS, CGROUP);
            } else if (step < 38) { // a storm of one identical call from two threads: the repeat path
                syscall(setns, PID + (step & 1), PID, true, -EBADF);
                buf.putLong(RawEvent.OFF_ARGS, -1);
            } else if (step < 48) { // a storm whose calls all differ: the full path
                syscall(setns, PID + 2, PID, true, -EBADF);
                buf.putLong(RawEvent.OFF_ARGS, -1 - (i & 1023));
            } else if (step < 54) {
                syscall(openat, PID + 3, PID, true, (step & 1) == 0 ? 5 : -EPERM);
                buf.putLong(RawEvent.OFF_ARGS, -100);
                buf.putLong(RawEvent.OFF_ARGS + 16, (step & 2) == 0 ? 0 : 01101);
                strings((step & 2) == 0 ? "/proc/sys/kernel/core_pattern" : "/etc/shadow", null, null);
            } else if (step < 57) {
                syscall(mount, PID + 3, PID, true, -EPERM);
                strings("/dev/sda1", "/mnt/host", "ext4");
            } else if (step < 59) {
                syscall(unshare, PID + 3, PID, true, (step & 1) == 0 ? 0 : -EPERM);
                buf.putLong(RawEvent.OFF_ARGS, 0x20000000L | 0x00020000L);
            } else if (step < 61) { // the host: no container; root, and an ordinary user
                syscall(setns, PID + 100, PID + 100, false, (i & 128) == 0 ? -EBADF : 0);
                buf.putLong(RawEvent.OFF_ARGS, 3 + (i & 7));
                if (step == 60) {
                    buf.putInt(RawEvent.OFF_UID, 1000);
                    buf.putLong(RawEvent.OFF_CAP_EFF, 0);
                    buf.putLong(RawEvent.OFF_CAP_PRM, 0);
                }
            } else if (step == 61) {
                switch ((i >>> 6) & 3) {
                    case 0 -> { // a process the table does not know, in a container not known yet
                        int stranger = PID + 200 + ((i >>> 8) & 7);
                        syscall(setns, stranger, stranger, true, -EBADF);
                        buf.putLong(RawEvent.OFF_CGROUP_ID, CGROUP + 1);
                    }
                    case 1 -> { // a known process in a container not known yet
                        syscall(setns, PID + 3, PID, true, -EBADF);
                        buf.putLong(RawEvent.OFF_CGROUP_ID, CGROUP + 1);
                    }
                    default -> { // the runtime joining a container's namespaces through their files
                        syscall(setns, RUNTIME_PID, RUNTIME_PID, true, 0);
                        buf.putLong(RawEvent.OFF_ARGS, 5);
                        buf.putLong(RawEvent.OFF_ARGS + 8, 0x40000000L);
                        buf.putLong(RawEvent.OFF_AUX, 0x7fff_1234L + (i & 3));
                        strings((i & 1) == 0 ? "net" : "mnt", null, null);
                    }
                }
            } else { // every other watched syscall, succeeding and failing
                String name = WATCHED.get((i >>> 6) % WATCHED.size());
                int nr = table.number(name);
                syscall(nr < 0 ? setns : nr, PID + 3, PID, true, step == 62 ? 0 : -EPERM);
                buf.putLong(RawEvent.OFF_ARGS, step == 62 ? 3 : -100);
                strings("/tmp/bulwark-warm-up", null, null);
            }
        }

        private void header(int op, int tid, int pid, int ppid, boolean contained) {
            java.util.Arrays.fill(buf.array(), (byte) 0);
            ktime += 1_000;
            buf.put(RawEvent.OFF_OP, (byte) op);
            buf.put(RawEvent.OFF_FLAGS, (byte) (contained ? RawEvent.F_CONTAINED : 0));
            buf.putInt(RawEvent.OFF_TID, tid);
            buf.putLong(RawEvent.OFF_KTIME, ktime);
            buf.putInt(RawEvent.OFF_PID, pid);
            buf.putInt(RawEvent.OFF_PPID, ppid);
            buf.putInt(RawEvent.OFF_LOGINUID, -1);
            buf.putInt(RawEvent.OFF_VPID, contained ? pid - PID + 1 : pid);
            buf.putLong(RawEvent.OFF_CGROUP_ID, contained ? CGROUP : 1);
            int ns = contained ? 0x7fff_0000 : 0x7ffe_0000; // never a real namespace's inode
            for (int off = RawEvent.OFF_MNT_NS; off <= RawEvent.OFF_IPC_NS; off += 4) {
                buf.putInt(off, ns + off);
            }
            long caps = contained ? 0xa80425fbL : 0x1ff_ffff_ffffL;
            buf.putLong(RawEvent.OFF_CAP_EFF, caps);
            buf.putLong(RawEvent.OFF_CAP_PRM, caps);
            byte[] comm = (contained ? "bwwarm" : "bwhost").getBytes(StandardCharsets.US_ASCII);
            buf.put(RawEvent.OFF_COMM, comm);
            len = RawEvent.MIN_SIZE;
        }

        private void syscall(int nr, int tid, int pid, boolean contained, long ret) {
            header(RawEvent.OP_SYSCALL, tid, pid, contained ? PID - 1 : 1, contained);
            buf.putShort(RawEvent.OFF_NR, (short) nr);
            buf.putLong(RawEvent.OFF_RET, ret);
        }

        private void lifecycle(int op, int pid, int ppid, boolean contained) {
            header(op, pid, pid, ppid, contained);
        }

        /** Writes the strings (null: unused) with their lengths, and cuts the record after the last one, as emit() does. */
        private void strings(String s0, String s1, String s2) {
            int[] offs = {RawEvent.OFF_STR0, RawEvent.OFF_STR1, RawEvent.OFF_STR2};
            String[] ss = {s0, s1, s2};
            for (int k = 0; k < 3; k++) {
                if (ss[k] != null) {
                    byte[] b = ss[k].getBytes(StandardCharsets.UTF_8);
                    buf.put(offs[k], b);
                    buf.put(offs[k] + b.length, (byte) 0);
                    buf.putShort(RawEvent.OFF_SLEN + 2 * k, (short) (b.length + 1));
                    len = offs[k] + b.length + 1;
                }
            }
        }
    }
}
