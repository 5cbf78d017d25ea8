package io.bulwark.sensor.cli;

import io.bulwark.contract.Json;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.EventSink;
import io.bulwark.sensor.Sensor;
import io.bulwark.sensor.probe.EnvironmentException;
import io.bulwark.sensor.probe.Probe;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "capture", mixinStandardHelpOptions = true,
        description = {
            "Record decoded kernel events as JSON lines (format: docs/events.md).",
            "",
            "Prints a line containing 'ready' once every BPF program is attached, then writes one "
                    + "JSON object per event to --out, and on exit prints the loss counters.",
            "",
            "Example:",
            "  bulwark capture --out /tmp/ev.jsonl --seconds 30",
            "  bulwark capture --out - --container 3f2a9c   # stdout, one container only",
            "  bulwark replay /tmp/ev.jsonl                  # run the rules over it later"
        })
public class CaptureCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "File to append events to ('-' for standard output).")
    String out;

    @Option(names = "--rate-limit", paramLabel = "N", defaultValue = "0",
            description = "At most N events a second from any one cgroup (container), enforced in the kernel, so one flooding container cannot blind the sensor to the others; what is dropped is counted as rate_limited (0 = no limit, the default).")
    int rateLimit;

    @Option(names = "--seconds", paramLabel = "N", description = "Stop after N seconds (default: until SIGINT/SIGTERM).")
    Integer seconds;

    @Option(names = "--container", paramLabel = "ID", description = "Keep only events of containers whose id starts with ID (or whose name is ID).")
    String container;

    @Option(names = "--host", description = "Also keep host processes' events (default: only with no --container).")
    boolean host;

    @Override
    public Integer call() throws Exception {
        BufferedWriter w = out.equals("-")
                ? new BufferedWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8))
                : Files.newBufferedWriter(Path.of(out), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        AtomicLong written = new AtomicLong();
        Object lock = new Object();
        Sensor sensor;
        try {
            sensor = Sensor.start(Sensor.Options.of(SensorContainers.create(), EventSink.of(ev -> {
                if (!keep(ev)) {
                    return;
                }
                String line = Json.line(ev);
                synchronized (lock) {
                    try {
                        w.write(line);
                        w.write('\n');
                        written.incrementAndGet();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            })).probe(Probe.Settings.defaults().withRateLimit(rateLimit)));
        } catch (EnvironmentException e) {
            System.err.println("bulwark capture: " + e.getMessage());
            return 3;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(stop::countDown);
        Runtime.getRuntime().addShutdownHook(hook);
        System.err.println("bulwark capture: ready (" + sensor.probe().attached().size() + " programs attached"
                + (sensor.probe().failedPrograms().isEmpty() ? "" : ", not attached: " + sensor.probe().failedPrograms().keySet()) + ")");
        System.err.flush();
        Thread flusher = new Thread(() -> {
            while (stop.getCount() > 0) {
                try {
                    Thread.sleep(200);
                    synchronized (lock) {
                        w.flush();
                    }
                } catch (InterruptedException | IOException e) {
                    return;
                }
            }
        }, "bulwark-capture-flush");
        flusher.setDaemon(true);
        flusher.start();
        if (seconds != null) {
            stop.await(seconds, TimeUnit.SECONDS);
        } else {
            stop.await();
        }
        sensor.close();
        synchronized (lock) {
            w.flush();
            if (!out.equals("-")) {
                w.close();
            }
        }
        Map<String, Long> c = sensor.counters();
        System.err.println("bulwark capture: " + written.get() + " events written; counters " + c);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // already shutting down
        }
        return 0;
    }

    private boolean keep(SensorEvent ev) {
        if (container == null) {
            return true;
        }
        if (ev.container() == null) {
            return host;
        }
        return ev.container().id().startsWith(container) || container.equals(ev.container().name());
    }
}
