package io.bulwark.sensor.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.EventSink;
import io.bulwark.sensor.Sensor;
import io.bulwark.sensor.enrich.Containers;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * One real sensor for the whole test JVM (loading the probe costs about a second), recording
 * every event it decodes. Tests trigger a syscall, then {@link #await} the event they expect.
 */
public final class LiveSensor {
    private static LiveSensor instance;

    private final Sensor sensor;
    private final ConcurrentLinkedQueue<SensorEvent> events = new ConcurrentLinkedQueue<>();

    private LiveSensor(Containers containers) {
        this.sensor = Sensor.start(Sensor.Options.of(containers, EventSink.of(events::add)));
        Runtime.getRuntime().addShutdownHook(new Thread(sensor::close));
    }

    /** The shared sensor, started on first use with the given container source. */
    public static synchronized LiveSensor get(Containers containers) {
        if (instance == null) {
            instance = new LiveSensor(containers);
        }
        return instance;
    }

    public Sensor sensor() {
        return sensor;
    }

    /** Waits up to 10 s for an event matching {@code p}; fails with what was seen for the cgroup. */
    public SensorEvent await(String what, long cgroupId, Predicate<SensorEvent> p) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (SensorEvent e : events) {
                if (p.test(e)) {
                    return e;
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        String seen = events.stream().filter(e -> e.process().cgroupId() == cgroupId)
                .map(e -> e.syscall().name() + e.syscall().args() + "=" + e.syscall().result())
                .collect(Collectors.joining("\n  "));
        fail("no " + what + " event within 10 s; counters " + sensor.counters() + "; events of cgroup " + cgroupId + ":\n  " + seen);
        return null;
    }

    /** Every event seen so far matching {@code p}. */
    public List<SensorEvent> all(Predicate<SensorEvent> p) {
        List<SensorEvent> out = new ArrayList<>();
        for (SensorEvent e : events) {
            if (p.test(e)) {
                out.add(e);
            }
        }
        return out;
    }
}
