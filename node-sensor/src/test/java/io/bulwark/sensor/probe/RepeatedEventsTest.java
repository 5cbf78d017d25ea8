package io.bulwark.sensor.probe;

import io.bulwark.sensor.RepeatCache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.testing.LiveSensor;
import io.bulwark.sensor.testing.RuncContainer;
import io.bulwark.sensor.testing.TestContainers;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A burst of identical syscalls takes the sensor's repeat path (decoded once, the rest recognised
 * by comparing the raw record): every one of them must still arrive, as a whole event with its
 * own time, attributed like the first.
 */
@Tag("containers")
@Timeout(120)
class RepeatedEventsTest {
    private static final int CALLS = 3000; // 3000 records fit the 4 MiB ring even if the consumer stalls

    @Test
    void everyIdenticalSyscallArrivesWithItsOwnTime() throws Exception {
        LiveSensor sensor = LiveSensor.get(TestContainers.resolver());
        try (RuncContainer box = RuncContainer.builder().start()) {
            long cg = box.cgroupId();
            box.exec("/bin/bwtrigger", "unshare-user"); // attributed first, so the burst's records are settled
            sensor.await("container attribution", cg, ev -> ev.process().cgroupId() == cg && ev.container() != null);
            long repeatsBefore = sensor.sensor().counters().get("repeats");
            long bytesBefore = sensor.sensor().counters().get("received_bytes");
            long lostBefore = lost(sensor.sensor().counters());
            box.exec("/bin/bwsyscall", "setns", String.valueOf(CALLS));
            long deadline = System.nanoTime() + 10_000_000_000L;
            List<SensorEvent> burst;
            do {
                Thread.sleep(50);
                burst = sensor.all(ev -> ev.process().cgroupId() == cg && ev.syscall().name().equals("setns")
                        && ev.process().comm().equals("bwsyscall"));
            } while (burst.size() < CALLS && System.nanoTime() < deadline);
            long lost = lost(sensor.sensor().counters()) - lostBefore;
            assertEquals(0, lost, "no loss expected for a 3000-event burst: " + sensor.sensor().counters());
            assertEquals(CALLS, burst.size(), "every call arrives; counters " + sensor.sensor().counters());
            long repeats = sensor.sensor().counters().get("repeats") - repeatsBefore;
            assertTrue(repeats >= CALLS / 2, "most of the burst is recognised as repeats: " + repeats);
            // bounded reuse: the first call and at least every REFRESH_EVERY-th repeat after it are decoded in full
            assertTrue(repeats <= CALLS - 1 - (CALLS - 1) / RepeatCache.REFRESH_EVERY, "a remembered event is decoded again every "
                    + RepeatCache.REFRESH_EVERY + " repeats: " + repeats + " repeats of " + CALLS);
            // variable-size records: a setns record (no path) takes 208 bytes of ring, not the 776 of a full one
            long bytes = sensor.sensor().counters().get("received_bytes") - bytesBefore;
            assertTrue(bytes < CALLS * 300L, "ring bytes for " + CALLS + " setns records: " + bytes);
            long prev = 0;
            int tid = burst.get(0).process().tid();
            for (SensorEvent e : burst) {
                assertEquals(-1, ((Number) e.syscall().args().get("fd")).intValue());
                assertEquals("EBADF", e.syscall().errno());
                assertEquals(box.id(), e.container().id(), "attributed like the first");
                assertEquals(tid, e.process().tid());
                assertTrue(e.time() > prev, "each event has its own, later time");
                prev = e.time();
            }
        }
    }

    private static long lost(Map<String, Long> c) {
        return c.getOrDefault("ringbuf_full_drops", 0L) + c.getOrDefault("record_errors", 0L) + c.getOrDefault("decode_errors", 0L);
    }
}
