package io.bulwark.sensor;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.sensor.enrich.Containers;
import io.bulwark.sensor.enrich.ProcessTable;
import io.bulwark.sensor.evidence.ContainerTimeline;
import io.bulwark.sensor.probe.Probe;
import io.bulwark.sensor.probe.RingBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The node sensor: kernel probe → ring buffer (read in place) → {@link RecordPipeline} (repeat
 * test, decoder with process table and container attribution, kernel-filter feedback, evidence
 * timeline) → a sink (capture file, rules). One thread reads the ring, decodes and calls the sink;
 * the ring buffer is the only queue.
 */
public final class Sensor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Sensor.class);
    /** Logs when the ring is more than a quarter full (checked every 4,096 records and after every gap of over 2 ms between records), with the gap. */
    private static final boolean STALL_DEBUG = Boolean.getBoolean("bulwark.debug.stalls");

    /**
     * How to start a sensor. Start from {@link #of} and change what differs from the defaults:
     * {@link Probe.Settings#defaults()}, no new-container hook, no JIT warm-up.
     *
     * @param probe          the probe's settings (rate limit, ring size, pins, decoder nice value)
     * @param containers     how containers are found ({@link Containers#of})
     * @param sink           where decoded events go
     * @param onNewContainer called (on the decoder thread) the first time an event comes from a
     *                       container: at its start for containers started after the sensor, at
     *                       its first activity for the others
     * @param warmUpSinks    when given, a JIT warm-up ({@link WarmUp}) runs once the programs are
     *                       loaded, before they are attached: synthetic records run through the
     *                       sensor's code into sinks from this supplier (a new one per round), which
     *                       must be of the same class as {@code sink} and act on nothing (e.g. the
     *                       same rules into a detector with no alert sinks). The real sink, process
     *                       table and containers never see a synthetic record.
     */
    public record Options(Probe.Settings probe, Containers containers, EventSink sink,
                          Consumer<ContainerInfo> onNewContainer, Supplier<EventSink> warmUpSinks) {
        public Options {
            Objects.requireNonNull(probe, "probe settings");
            Objects.requireNonNull(containers, "containers");
            Objects.requireNonNull(sink, "sink");
            Objects.requireNonNull(onNewContainer, "onNewContainer");
        }

        /** The defaults: the probe's default settings, no new-container hook, no warm-up. */
        public static Options of(Containers containers, EventSink sink) {
            return new Options(Probe.Settings.defaults(), containers, sink, c -> { }, null);
        }

        public Options probe(Probe.Settings settings) {
            return new Options(settings, containers, sink, onNewContainer, warmUpSinks);
        }

        public Options onNewContainer(Consumer<ContainerInfo> hook) {
            return new Options(probe, containers, sink, hook, warmUpSinks);
        }

        /** {@code sinks} null: no warm-up. */
        public Options warmUp(Supplier<EventSink> sinks) {
            return new Options(probe, containers, sink, onNewContainer, sinks);
        }
    }

    private final Probe probe;
    private final ProcessTable processes;
    private final KernelFilterFeedback filter;
    private final RecordPipeline pipeline;
    private final int decoderNice;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Map<String, Long> finalCounters;

    private Sensor(Probe probe, ProcessTable processes, Options o) {
        this.probe = probe;
        this.processes = processes;
        this.decoderNice = o.probe().decoderNice();
        this.filter = new KernelFilterFeedback(probe, o.containers());
        this.pipeline = new RecordPipeline(processes, o.containers(), o.sink(), o.onNewContainer(), filter,
                Probe.bootToWallNs(), RecordPipeline.hostNamespaces());
        this.thread = new Thread(this::run, "bulwark-decoder");
        this.thread.setDaemon(true);
    }

    /** Loads the probe (and runs the warm-up, if asked), scans /proc, learns the running containers, and starts decoding into the sink. */
    public static Sensor start(Options o) {
        Probe probe = Probe.start(o.probe(), () -> { // loaded, not attached yet: nothing is lost while it runs
            if (o.warmUpSinks() != null) {
                WarmUp.Result w = WarmUp.run(o.warmUpSinks(), WarmUp.ROUNDS, WarmUp.RECORDS);
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
            Sensor s = new Sensor(probe, processes, o);
            s.filter.learnContainers();
            s.thread.start();
            return s;
        } catch (RuntimeException e) {
            probe.close();
            throw e;
        }
    }

    /** Registers a container cgroup id in the kernel (cgroup ids are learnt by the resolver). */
    public void markContainerCgroup(long id) {
        filter.markContainerCgroup(id);
    }

    private void run() {
        int err = Probe.setCurrentThreadNice(decoderNice);
        if (err != 0) {
            LOG.warnf("cannot set the decoder thread's nice value to %d (errno %d): a flood can starve it", decoderNice, err);
        }
        RingBuffer ring = probe.ring();
        RingBuffer.Handler handler = pipeline.handler();
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
                                System.currentTimeMillis(), pending * 100 / ring.size(), (t - last[0]) / 1e6, pipeline.decoded(), pipeline.repeats(), sched);
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

    public Probe probe() {
        return probe;
    }

    /** Keeps every decoded event in {@code t} from now on (evidence: the minutes before an alert). */
    public void timeline(ContainerTimeline t) {
        pipeline.timeline(t);
    }

    public ContainerTimeline timeline() {
        return pipeline.timeline();
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
        return pipeline.addCounters(new LinkedHashMap<>(probe.counters()));
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
        finalCounters = Collections.unmodifiableMap(new LinkedHashMap<>(counters()));
        probe.close(keepPins);
    }
}
