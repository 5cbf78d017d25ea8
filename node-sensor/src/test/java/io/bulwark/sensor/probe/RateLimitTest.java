package io.bulwark.sensor.probe;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.EventSink;
import io.bulwark.sensor.Sensor;
import io.bulwark.sensor.testing.RuncContainer;
import io.bulwark.sensor.testing.TestContainers;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With the in-kernel per-cgroup rate limit on, a container flooding the sensor is held to its
 * budget (the excess counted as rate_limited) and another container's escape attempt still
 * arrives.
 */
@Tag("containers")
@Timeout(120)
class RateLimitTest {
    @Test
    void aFloodingContainerDoesNotBlindTheSensorToAnother() throws Exception {
        ConcurrentLinkedQueue<SensorEvent> events = new ConcurrentLinkedQueue<>();
        try (RuncContainer noisy = RuncContainer.builder().start();
             RuncContainer quiet = RuncContainer.builder().start();
             Sensor sensor = Sensor.start(Sensor.Options.of(TestContainers.resolver(), EventSink.of(events::add)).probe(Probe.Settings.defaults().withRateLimit(500)))) {
            Thread storm = new Thread(() -> noisy.exec("/bin/bwstorm", "1", "4"));
            storm.start();
            Thread.sleep(1500);
            quiet.exec("/bin/bwtrigger", "unshare-user");
            storm.join();
            Thread.sleep(500);
            long quietCg = quiet.cgroupId();
            long noisyCg = noisy.cgroupId();
            boolean seen = events.stream().anyMatch(e -> e.process().cgroupId() == quietCg && e.syscall().name().equals("unshare")
                    && "CLONE_NEWUSER".equals(e.syscall().args().get("flags")));
            long noisySetns = events.stream().filter(e -> e.process().cgroupId() == noisyCg && e.syscall().name().equals("setns")).count();
            long limited = sensor.counters().get("rate_limited");
            assertTrue(seen, "the quiet container's unshare must arrive during the flood; counters " + sensor.counters());
            assertTrue(limited > 100_000, "the flood was held back in the kernel: rate_limited=" + limited);
            assertTrue(noisySetns <= 500 * 6, "the flooding container got at most its budget (~500/s for ~5 s): " + noisySetns);
        }
    }
}
