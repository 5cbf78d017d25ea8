package io.bulwark.sensor;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.enrich.ContainerLookup;
import io.bulwark.sensor.enrich.ContainerResolver;
import io.bulwark.sensor.enrich.ProcessTable;
import io.bulwark.sensor.event.EventDecoder;
import io.bulwark.sensor.probe.Probe;
import io.bulwark.sensor.probe.RawEvent;
import io.bulwark.sensor.probe.RingBuffer;
import io.bulwark.sensor.probe.Watchlist;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The node sensor's pipeline: kernel probe → ring buffer (read in place) → decoder (process
 * table, container attribution) → a consumer (capture file, rules). One thread reads the ring,
 * decodes and calls the consumer; the ring buffer is the only queue.
 */
public final class Sensor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Sensor.class);

    /** How the sensor finds containers; refresh is called when a cgroup appears. */
    public interface Containers extends ContainerLookup {
        void refresh();

        Iterable<ContainerInfo> all();

        /**
         * Containers from the runtimes' state on this node. A cgroup id that is not known yet
         * triggers a (rate-limited) re-read, so a container that just started is attributed from
         * its first events; the root cgroup (host processes) never does.
         */
        static Containers of(ContainerResolver resolver) {
            return new Containers() {
                private final Map<Long, long[]> misses = new java.util.concurrent.ConcurrentHashMap<>();

                @Override
                public void refresh() {
                    resolver.refresh();
                }

                @Override
                public Iterable<ContainerInfo> all() {
                    return resolver.all();
                }

                @Override
                public ContainerInfo byCgroupId(long cgroupId) {
                    return resolve(cgroupId, true);
                }

                /**
                 * A containerised task in a cgroup we do not know yet is most likely a container that
                 * has just started, whose state the runtime is still writing: re-read the state at
                 * most every 5 ms for that cgroup during its first 10 s, so its first actions are
                 * attributed. Host tasks never force a re-read (cgroup_mkdir and the resolver's own
                 * rate-limited miss refresh cover them).
                 */
                @Override
                public ContainerInfo resolve(long cgroupId, boolean containerised) {
                    if (cgroupId <= 1) {
                        return null;
                    }
                    ContainerInfo c = resolver.byCgroupId(cgroupId);
                    if (c != null) {
                        return c;
                    }
                    if (containerised) {
                        long now = System.nanoTime();
                        long[] m = misses.computeIfAbsent(cgroupId, k -> new long[] {now, Long.MIN_VALUE});
                        if (now - m[0] < 10_000_000_000L && (m[1] == Long.MIN_VALUE || now - m[1] >= 5_000_000L)) {
                            m[1] = now;
                            resolver.refresh();
                            c = resolver.byCgroupId(cgroupId);
                            if (c != null) {
                                misses.remove(cgroupId);
                            }
                            return c;
                        }
                        if (misses.size() > 4096) {
                            misses.clear();
                        }
                    }
                    return resolver.resolve(cgroupId);
                }
            };
        }
    }

    /**
     * Where decoded events go. {@link #accept} may return a state object (e.g. the rules' verdict);
     * an event identical to that one except for its time — same thread, syscall, arguments,
     * result, credentials and namespaces, with nothing in the process table or container state
     * changed since — is then handed to {@link #repeat} with that state instead of being decoded and
     * evaluated again. A flood of identical syscalls costs a comparison per event.
     */
    public interface EventSink {
        Object accept(SensorEvent event);

        default void repeat(SensorEvent event, Object state) {
            accept(event);
        }

        static EventSink of(Consumer<SensorEvent> consumer) {
            return e -> {
                consumer.accept(e);
                return null;
            };
        }
    }

    /** One remembered event per thread slot, for repeat detection (decoder thread only). */
    private static final class Recent {
        final byte[] bytes = new byte[RawEvent.SIZE];
        final ByteBuffer view = ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int len = -1;
        int uses;
        long ktime;
        long generation;
        SensorEvent event;
        Object state;
    }

    /** A remembered event is reused for at most this long (kernel time), so slow state changes are seen. */
    static final long REPEAT_WINDOW_NS = 1_000_000_000L;
    private final Recent[] recent = new Recent[64];
    {
        for (int i = 0; i < recent.length; i++) {
            recent[i] = new Recent();
        }
    }
    /** A remembered event serves at most this many repeats (a power of two), then the next one is decoded again. */
    public static final int REFRESH_SHIFT = 10, REFRESH_EVERY = 1 << REFRESH_SHIFT;
    /** 0 for the ops that can repeat (syscalls, io_uring requests), 1 for the others. */
    private static final long[] NOT_REPEATABLE = new long[256];
    static {
        java.util.Arrays.fill(NOT_REPEATABLE, 1);
        NOT_REPEATABLE[RawEvent.OP_SYSCALL] = 0;
        NOT_REPEATABLE[RawEvent.OP_IOURING] = 0;
    }
    private long generation;
    private final AtomicLong repeats = new AtomicLong();

    private final Probe probe;
    private final ProcessTable processes;
    private final Containers containers;
    private final EventDecoder decoder;
    private final EventSink sink;
    private final int decoderNice;
    private final Consumer<ContainerInfo> onNewContainer;
    private final Set<String> seenContainers = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Map<String, Long> finalCounters;
    private final AtomicLong decoded = new AtomicLong();
    private final AtomicLong decodeErrors = new AtomicLong();
    private final AtomicLong sinkErrors = new AtomicLong();
    private final Set<Long> knownCgroups = ConcurrentHashMap.newKeySet();
    private final Set<String> knownPrefixes = ConcurrentHashMap.newKeySet();
    /** The per-container history for evidence (io.bulwark.sensor.evidence); off until {@link #timeline(ContainerTimeline)}. */
    private volatile io.bulwark.sensor.evidence.ContainerTimeline timeline = io.bulwark.sensor.evidence.ContainerTimeline.off();

    private Sensor(Probe probe, ProcessTable processes, Containers containers, EventSink sink,
                   Consumer<ContainerInfo> onNewContainer, int decoderNice) {
        this(probe, processes, containers, sink, onNewContainer, decoderNice, Probe.bootToWallNs(), hostNamespaces());
    }

    /** A sensor with no probe, for {@link WarmUp}: its records come from a ring in memory. */
    Sensor(ProcessTable processes, Containers containers, EventSink sink, long bootToWallNs) {
        this(null, processes, containers, sink, c -> { }, 0, bootToWallNs, hostNamespaces());
    }

    private Sensor(Probe probe, ProcessTable processes, Containers containers, EventSink sink,
                   Consumer<ContainerInfo> onNewContainer, int decoderNice, long bootToWallNs, Set<Long> hostNs) {
        this.decoderNice = decoderNice;
        this.onNewContainer = onNewContainer;
        this.probe = probe;
        this.processes = processes;
        this.containers = containers;
        this.sink = sink;
        this.decoder = new EventDecoder(processes, containers, bootToWallNs, hostNs);
        this.thread = new Thread(this::run, "bulwark-decoder");
        this.thread.setDaemon(true);
    }

    private static Set<Long> hostNamespaces() {
        return Set.of(Probe.nsInode("mnt"), Probe.nsInode("pid"), Probe.nsInode("net"), Probe.nsInode("ipc"),
                Probe.nsInode("uts"), Probe.nsInode("cgroup"), Probe.nsInode("user"));
    }

    /** Loads the probe, scans /proc, learns the running containers, and starts decoding into {@code sink}. */
    public static Sensor start(Probe.Settings settings, Containers containers, Consumer<SensorEvent> sink) {
        return start(settings, containers, EventSink.of(sink), c -> { });
    }

    public static Sensor start(Probe.Settings settings, Containers containers, Consumer<SensorEvent> sink,
                               Consumer<ContainerInfo> onNewContainer) {
        return start(settings, containers, EventSink.of(sink), onNewContainer);
    }

    /**
     * As {@link #start(Probe.Settings, Containers, Consumer)}, and calls {@code onNewContainer}
     * (on the decoder thread) the first time an event comes from a container: at its start for
     * containers started after the sensor, at its first activity for the others.
     */
    public static Sensor start(Probe.Settings settings, Containers containers, EventSink sink,
                               Consumer<ContainerInfo> onNewContainer) {
        return start(settings, containers, sink, onNewContainer, (java.util.function.Supplier<EventSink>) null);
    }

    /**
     * As {@link #start(Probe.Settings, Containers, EventSink, Consumer)}, after a JIT warm-up
     * ({@link WarmUp}) when {@code warmUpSinks} is given: synthetic records run through this
     * sensor's code into sinks from {@code warmUpSinks} (a new one per round), which must be of the
     * same class as {@code sink} and act on nothing (e.g. the same rules into a detector with no
     * alert sinks). It runs once the programs are loaded, before they are attached; the real sink,
     * process table and containers never see a synthetic record.
     */
    public static Sensor start(Probe.Settings settings, Containers containers, EventSink sink,
                               Consumer<ContainerInfo> onNewContainer, java.util.function.Supplier<EventSink> warmUpSinks) {
        Probe probe = Probe.start(settings, () -> { // loaded, not attached yet: nothing is lost while it runs
            if (warmUpSinks != null) {
                WarmUp.Result w = WarmUp.run(warmUpSinks, WarmUp.ROUNDS, WarmUp.RECORDS);
                LOG.infof("JIT warm-up: %d synthetic records (%d repeats) and the compilers' queue in %d ms (%d ms of it waiting for the compilers)",
                        w.records(), w.repeats(), w.millis(), w.compileWaitMillis());
                if (w.errors() > 0) {
                    LOG.warnf("JIT warm-up: %d synthetic records failed to decode or evaluate (a bug: please report it)", w.errors());
                }
            }
        });
        try {
            ProcessTable processes = new ProcessTable();
            int n = processes.scan();
            LOG.debugf("process table: %d processes", n);
            Sensor s = new Sensor(probe, processes, containers, sink, onNewContainer, settings.decoderNice());
            s.learnContainers();
            s.thread.start();
            return s;
        } catch (RuntimeException e) {
            probe.close();
            throw e;
        }
    }

    /** Tells the kernel which cgroups are containers' and which host paths their writable bind mounts expose. */
    private void learnContainers() {
        containers.refresh();
        for (ContainerInfo c : containers.all()) {
            learnContainer(c);
        }
    }

    /**
     * Pushes one container's writable bind-mount points into the kernel's path filter, so that
     * writes through a hostPath (host-file-write, host-persistence) cross the ring buffer.
     * Read-only binds cannot be written; reads of sensitive files are caught by name.
     */
    private void learnContainer(ContainerInfo c) {
        if (c.mounts() == null || probe == null) {
            return;
        }
        for (ContainerInfo.Mount m : c.mounts()) {
            String dest = m.destination();
            if (m.bind() && !m.readOnly() && dest != null && dest.startsWith("/") && dest.length() > 1 && knownPrefixes.add(dest)) {
                String prefix = dest.endsWith("/") ? dest : dest + "/";
                int flags = Watchlist.PATH_WRITE;
                for (Map.Entry<String, Integer> d : Watchlist.defaultPrefixes().entrySet()) {
                    if (prefix.startsWith(d.getKey())) {
                        flags |= d.getValue(); // a longer prefix must not weaken what a default one watches
                    }
                }
                try {
                    probe.addPathPrefix(prefix, flags);
                } catch (RuntimeException e) {
                    LOG.debugf("cannot watch mount point %s: %s", dest, e.getMessage());
                }
            }
        }
    }

    /** Registers a container cgroup id in the kernel (cgroup ids are learnt by the resolver). */
    public void markContainerCgroup(long id) {
        if (!knownCgroups.contains(id) && knownCgroups.add(id) && probe != null) {
            probe.addContainerCgroup(id);
        }
    }

    private void run() {
        int err = Probe.setCurrentThreadNice(decoderNice);
        if (err != 0) {
            LOG.warnf("cannot set the decoder thread's nice value to %d (errno %d): a flood can starve it", decoderNice, err);
        }
        RingBuffer ring = probe.ring();
        RingBuffer.Handler handler = handler();
        if (STALL_DEBUG) {
            RingBuffer.Handler inner = handler;
            long[] last = {System.nanoTime(), 0};
            handler = (buf, off, len) -> {
                long t = System.nanoTime();
                if (t - last[0] > 2_000_000L || (++last[1] & 4095) == 0) {
                    long pending = ring.pending();
                    if (pending > ring.size() / 4) {
                        String sched;
                        try {
                            sched = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/thread-self/schedstat")).trim();
                        } catch (java.io.IOException e) {
                            sched = "?";
                        }
                        System.err.printf("bulwark: %d ring %d%% full, %.2f ms since the previous record; decoded %d, repeats %d; schedstat %s%n",
                                System.currentTimeMillis(), pending * 100 / ring.size(), (t - last[0]) / 1e6, decoded.get(), repeats.get(), sched);
                    }
                }
                inner.onRecord(buf, off, len);
                last[0] = System.nanoTime();
            };
        }
        while (running) {
            if (ring.consume(handler) == 0) {
                ring.await(100);
            }
        }
        ring.consume(handler); // what the kernel wrote before we were told to stop
    }

    /** The record handler; one creation site, so the warm-up and the kernel's ring see the same handler class. */
    RingBuffer.Handler handler() {
        return this::onRecord;
    }

    private static final int OP_OFF = RawEvent.OFF_OP, KTIME = RawEvent.OFF_KTIME, TID = RawEvent.OFF_TID;

    /**
     * One ring-buffer record. A syscall record identical (all bytes but the timestamp) to the last
     * one remembered for its thread slot, within {@link #REPEAT_WINDOW_NS}, with no exec, fork or
     * exit of its process or its parent and no new cgroup in between, is a repeat: same decoded
     * event with the new time, same verdict. Everything else is decoded, and so is every
     * {@link #REFRESH_EVERY}th repeat of a remembered event. (Lifecycle events of other processes
     * do not matter: a busy host execs all the time.)
     *
     * <p>The test is computed without a branch per condition, and the periodic refresh means both
     * outcomes occur during a flood: the JIT then has no never-taken branch to speculate on, so the
     * first different record after a flood does not throw the compiled code away (that cost
     * ≈150 ms of slow decoding at the start of every flood, and drops).
     */
    private void onRecord(ByteBuffer buf, int off, int len) {
        int op = buf.get(off + OP_OFF) & 0xff;
        Recent r = recent[buf.getInt(off + TID) & (recent.length - 1)];
        long ktime = buf.getLong(off + KTIME);
        long d = ktime - r.ktime;
        int uses = ++r.uses;
        long bad = NOT_REPEATABLE[op]
                | (r.len ^ len)
                | (r.generation ^ generation)
                | ((d | (REPEAT_WINDOW_NS - 1 - d)) >>> 63)        // outside [0, window)
                | (((uses & (REFRESH_EVERY - 1)) + 1) >> REFRESH_SHIFT)       // every REFRESH_EVERY-th use
                | differs(buf, off, r.view, len);
        if (bad == 0) {
            repeats.incrementAndGet();
            decoded.incrementAndGet();
            SensorEvent prev = r.event;
            SensorEvent ev = new SensorEvent(prev.time() + d, prev.syscall(), prev.process(), prev.container());
            try {
                timeline.record(ev); // evidence: the container's recent history (a repeat raises a count)
                sink.repeat(ev, r.state);
            } catch (RuntimeException e) {
                sinkErrors.incrementAndGet();
                LOG.warnf("event consumer failed: %s", e.toString());
            }
            return;
        }
        full(op, buf, off, len);
    }

    private void full(int op, ByteBuffer buf, int off, int len) {
        if (op == RawEvent.OP_CGROUP_MKDIR) {
            generation++; // container state may change: forget every remembered event
        } else if (op != RawEvent.OP_SYSCALL && op != RawEvent.OP_IOURING) {
            forget(buf.getInt(off + RawEvent.OFF_PID)); // exec, fork, exit: that process's state (and its children's ancestry) may change
        }
        long t0 = SLOW_DEBUG ? System.nanoTime() : 0;
        RawEvent raw = RawEvent.parse(buf, off, len);
        handle(raw, buf, off, len);
        if (SLOW_DEBUG) {
            long dt = System.nanoTime() - t0;
            if (dt > 500_000) {
                System.err.printf("bulwark: slow event %.2f ms op=%d nr=%d pid=%d comm=%s%n", dt / 1e6, raw.op(), raw.nr(), raw.pid(), raw.comm());
            }
        }
    }

    private static final boolean SLOW_DEBUG = Boolean.getBoolean("bulwark.debug.slowEvents");
    /** Logs when the ring is more than a quarter full (checked every 4,096 records and after every gap of over 2 ms between records), with the gap. */
    private static final boolean STALL_DEBUG = Boolean.getBoolean("bulwark.debug.stalls");

    /** Forgets remembered events of {@code pid} and of its children (their ancestry names it). */
    private void forget(int pid) {
        for (Recent r : recent) {
            if (r != null && r.event != null && (r.event.process().pid() == pid || r.event.process().ppid() == pid)) {
                r.len = -1;
                r.event = null;
                r.state = null;
            }
        }
    }

    /**
     * Non-zero when the record of {@code len} bytes at {@code off} differs from the remembered bytes
     * anywhere but in the timestamp (bytes 8-15). No early exit and no branch on the length: every
     * word up to the last is compared, and the last one under a mask of the bytes the record has
     * (ring records are padded to 8 bytes, so that word is readable; the padding is not compared).
     * Records are at least {@link RawEvent#MIN_SIZE} bytes, so the middle loop always runs.
     */
    private static long differs(ByteBuffer buf, int off, ByteBuffer remembered, int len) {
        int words = (len + 7) >>> 3;
        long diff = buf.getLong(off) ^ remembered.getLong(0);
        int last = (words - 1) << 3;
        for (int i = KTIME + 8; i < last; i += 8) {
            diff |= buf.getLong(off + i) ^ remembered.getLong(i);
        }
        long mask = -1L >>> (64 - ((len - last) << 3));
        return diff | ((buf.getLong(off + last) ^ remembered.getLong(last)) & mask);
    }

    private void remember(RawEvent raw, ByteBuffer buf, int off, int len, SensorEvent ev, Object state) {
        // only events whose attribution is settled: a known process, and a container when the task is contained
        if (buf == null || len > RawEvent.SIZE || ev.process().exe().isEmpty() || (raw.contained() && ev.container() == null)) {
            return;
        }
        int slot = raw.tid() & (recent.length - 1);
        Recent r = recent[slot];
        buf.get(off, r.bytes, 0, len);
        r.len = len;
        r.uses = 0;
        r.ktime = raw.ktime();
        r.generation = generation;
        r.event = ev;
        r.state = state;
    }

    /**
     * A container's first event: its writable binds go to the kernel filter and the caller's hook
     * runs. Rare, and kept out of the per-record code (the launcher's {@code dontinline}): the hook is
     * the caller's class, one the JIT warm-up cannot show the compiled record path, and a class check
     * failing inside that path threw it away in a flood's first second (docs/benchmarks.md, fifth round).
     */
    private void firstSight(ContainerInfo c) {
        learnContainer(c);
        try {
            onNewContainer.accept(c);
        } catch (RuntimeException e) {
            LOG.warnf("new-container hook failed for %s: %s", c.id(), e.toString());
        }
    }

    private void handle(RawEvent raw, ByteBuffer buf, int off, int len) {
        SensorEvent ev;
        try {
            if (raw.op() == RawEvent.OP_CGROUP_MKDIR) {
                learnContainers();
            }
            ev = decoder.decode(raw);
            if (ev == null) {
                return;
            }
            decoded.incrementAndGet();
            if (ev.container() != null) {
                markContainerCgroup(ev.process().cgroupId());
                if (!seenContainers.contains(ev.container().id()) && seenContainers.add(ev.container().id())) {
                    firstSight(ev.container());
                }
            }
        } catch (RuntimeException e) {
            decodeErrors.incrementAndGet();
            LOG.debugf("decode error: %s", e.toString());
            return;
        }
        try {
            timeline.record(ev); // evidence: the container's recent history, before the rules (and any alert) see the event
            Object state = sink.accept(ev);
            if (raw.op() == RawEvent.OP_SYSCALL || raw.op() == RawEvent.OP_IOURING) {
                remember(raw, buf, off, len, ev, state);
            }
        } catch (RuntimeException e) {
            sinkErrors.incrementAndGet();
            LOG.warnf("event consumer failed: %s", e.toString());
        }
    }

    public Probe probe() {
        return probe;
    }

    /** Keeps every decoded event in {@code t} from now on (evidence: the minutes before an alert). */
    public void timeline(io.bulwark.sensor.evidence.ContainerTimeline t) {
        this.timeline = t == null ? io.bulwark.sensor.evidence.ContainerTimeline.off() : t;
    }

    public io.bulwark.sensor.evidence.ContainerTimeline timeline() {
        return timeline;
    }

    public ProcessTable processes() {
        return processes;
    }

    /** Loss and throughput counters: kernel, ring buffer, queue, decoder, consumer. */
    public Map<String, Long> counters() {
        Map<String, Long> last = finalCounters;
        if (last != null) {
            return last;
        }
        Map<String, Long> m = probe == null ? new LinkedHashMap<>() : new LinkedHashMap<>(probe.counters());
        m.put("decoded", decoded.get());
        m.put("repeats", repeats.get());
        m.put("decode_errors", decodeErrors.get());
        m.put("consumer_errors", sinkErrors.get());
        return m;
    }

    /** Stops decoding after draining what the kernel has written, then unloads the probe. */
    @Override
    public void close() {
        close(false);
    }

    /** Stops; with {@code keepPins} the pinned programs and ring stay for the next sensor (Probe.close). */
    public void close(boolean keepPins) {
        running = false;
        try {
            thread.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        finalCounters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(counters()));
        probe.close(keepPins);
    }
}
