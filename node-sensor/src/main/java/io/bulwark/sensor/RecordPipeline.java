package io.bulwark.sensor;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.enrich.Containers;
import io.bulwark.sensor.enrich.ProcessTable;
import io.bulwark.sensor.event.EventDecoder;
import io.bulwark.sensor.evidence.ContainerTimeline;
import io.bulwark.sensor.probe.Probe;
import io.bulwark.sensor.probe.RawEvent;
import io.bulwark.sensor.probe.RingBuffer;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * What happens to one ring-buffer record, on the decoder thread: the repeat test
 * ({@link RepeatCache}), else the decoder (process table, container attribution), the kernel
 * filter's feedback for a container seen for the first time ({@link KernelFilterFeedback}), the
 * evidence timeline and the sink (the rules). The {@link Sensor} feeds it from the kernel's ring;
 * the JIT warm-up ({@link WarmUp}) feeds a pipeline of its own from a ring in memory, so both run
 * this class's code.
 */
final class RecordPipeline {
    private static final Logger LOG = Logger.getLogger(RecordPipeline.class);
    private static final boolean SLOW_DEBUG = Boolean.getBoolean("bulwark.debug.slowEvents");

    private final EventDecoder decoder;
    private final EventSink sink;
    private final Consumer<ContainerInfo> onNewContainer;
    private final KernelFilterFeedback filter;
    private final RepeatCache recent = new RepeatCache();
    private final Set<String> seenContainers = ConcurrentHashMap.newKeySet();
    private final AtomicLong decoded = new AtomicLong();
    private final AtomicLong repeats = new AtomicLong();
    private final AtomicLong decodeErrors = new AtomicLong();
    private final AtomicLong sinkErrors = new AtomicLong();
    /** The per-container history for evidence (io.bulwark.sensor.evidence); off until {@link #timeline(ContainerTimeline)}. */
    private volatile ContainerTimeline timeline = ContainerTimeline.off();

    RecordPipeline(ProcessTable processes, Containers containers, EventSink sink, Consumer<ContainerInfo> onNewContainer,
                   KernelFilterFeedback filter, long bootToWallNs, Set<Long> hostNs) {
        this.sink = sink;
        this.onNewContainer = onNewContainer;
        this.filter = filter;
        this.decoder = new EventDecoder(processes, containers, bootToWallNs, hostNs);
    }

    /** The host's namespaces (this process's), against which the decoder tells a container's from the host's. */
    static Set<Long> hostNamespaces() {
        return Set.of(Probe.nsInode("mnt"), Probe.nsInode("pid"), Probe.nsInode("net"), Probe.nsInode("ipc"),
                Probe.nsInode("uts"), Probe.nsInode("cgroup"), Probe.nsInode("user"));
    }

    /** The record handler; one creation site, so the warm-up and the kernel's ring see the same handler class. */
    RingBuffer.Handler handler() {
        return this::onRecord;
    }

    /** One ring-buffer record: a repeat ({@link RepeatCache}) goes to the sink as is, anything else is decoded ({@link #full}). */
    private void onRecord(ByteBuffer buf, int off, int len) {
        SensorEvent ev = recent.repeatOf(buf, off, len);
        if (ev != null) {
            repeats.incrementAndGet();
            decoded.incrementAndGet();
            try {
                timeline.record(ev); // evidence: the container's recent history (a repeat raises a count)
                sink.repeat(ev, recent.stateOf(buf, off));
            } catch (RuntimeException e) {
                sinkErrors.incrementAndGet();
                LOG.warnf("event consumer failed: %s", e.toString());
            }
            return;
        }
        full(buf.get(off + RawEvent.OFF_OP) & 0xff, buf, off, len);
    }

    /** Parse, decode and sink; kept out of the per-record compiled code (node-sensor/jvm.options, dontinline). */
    private void full(int op, ByteBuffer buf, int off, int len) {
        if (op == RawEvent.OP_CGROUP_MKDIR) {
            recent.invalidateAll(); // container state may change: forget every remembered event
        } else if (op != RawEvent.OP_SYSCALL && op != RawEvent.OP_IOURING) {
            recent.forget(buf.getInt(off + RawEvent.OFF_PID)); // exec, fork, exit: that process's state (and its children's ancestry) may change
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

    /**
     * A container's first event: its writable binds go to the kernel filter and the caller's hook
     * runs. Rare, and kept out of the per-record code (the launcher's {@code dontinline}): the hook is
     * the caller's class, one the JIT warm-up cannot show the compiled record path, and a class check
     * failing inside that path threw it away in a flood's first second.
     */
    private void firstSight(ContainerInfo c) {
        filter.learnContainer(c);
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
                filter.learnContainers();
            }
            ev = decoder.decode(raw);
            if (ev == null) {
                return;
            }
            decoded.incrementAndGet();
            if (ev.container() != null) {
                filter.markContainerCgroup(ev.process().cgroupId());
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
                recent.remember(raw, buf, off, len, ev, state);
            }
        } catch (RuntimeException e) {
            sinkErrors.incrementAndGet();
            LOG.warnf("event consumer failed: %s", e.toString());
        }
    }

    void timeline(ContainerTimeline t) {
        this.timeline = t == null ? ContainerTimeline.off() : t;
    }

    ContainerTimeline timeline() {
        return timeline;
    }

    long decoded() {
        return decoded.get();
    }

    long repeats() {
        return repeats.get();
    }

    /** This pipeline's counters (decoded, repeats, decode_errors, consumer_errors) added to {@code m}. */
    Map<String, Long> addCounters(Map<String, Long> m) {
        m.put("decoded", decoded.get());
        m.put("repeats", repeats.get());
        m.put("decode_errors", decodeErrors.get());
        m.put("consumer_errors", sinkErrors.get());
        return m;
    }

    /** The counters alone (the warm-up's). */
    Map<String, Long> counters() {
        return addCounters(new LinkedHashMap<>());
    }
}
