package io.bulwark.sensor.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.ProcessInfo;
import io.bulwark.contract.SensorEvent;
import io.bulwark.contract.Syscall;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The timeline's bounds: count and age per container, the memory cap with least-recently-used eviction, repeats folded. */
class ContainerTimelineTest {
    static final long S = 1_000_000_000L;
    static final long T0 = 1_765_000_000L * S;

    static ContainerInfo container(String id) {
        return new ContainerInfo(id, id, "runc", null, 1, "running", null, null, "/" + id, false, List.of(), List.of(), List.of(),
                0, false, null, null, false, List.of(), List.of(), List.of(), null, Map.of(), null);
    }

    /** An event shaped as the decoder makes it: new process, syscall, argument map and strings each time. */
    static SensorEvent event(ContainerInfo c, long time, int pid, String path) {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("dirfd", -100);
        args.put("name", new String(path));
        args.put("flags", "O_RDONLY|O_CLOEXEC");
        args.put("mode", 0);
        ProcessInfo p = new ProcessInfo(pid, pid, 1, pid, 0, 0, -1, new String("cat"), "/bin/busybox", List.of(path), "cat " + path, 0, 42,
                new ProcessInfo.Namespaces(1, 2, 3, 4, 5, 6, 7), 0x5, 0x5, false, false, List.of());
        return new SensorEvent(time, new Syscall("openat", args, 3, null), p, c);
    }

    @Test
    void keepsTheLastEventsOfEachContainerUpToItsCount() {
        ContainerTimeline t = new ContainerTimeline(new ContainerTimeline.Limits(100, 600 * S, 64L << 20, 700));
        ContainerInfo a = container("a");
        for (int i = 0; i < 250; i++) {
            t.record(event(a, T0 + i * 1000L, 10, "/etc/f" + i));
        }
        List<ContainerTimeline.Entry> copy = t.copy("a", T0 + S);
        assertEquals(100, copy.size());
        assertEquals("/etc/f150", copy.get(0).event().syscall().args().get("name"), "the oldest kept is the 150th");
        assertEquals("/etc/f249", copy.get(99).event().syscall().args().get("name"));
        assertEquals(100, t.entries());
    }

    @Test
    void dropsEventsOlderThanTheAgeBehindTheNewest() {
        ContainerTimeline t = new ContainerTimeline(new ContainerTimeline.Limits(1000, 60 * S, 64L << 20, 700));
        ContainerInfo a = container("a");
        t.record(event(a, T0, 10, "/old"));
        t.record(event(a, T0 + 30 * S, 10, "/middle"));
        t.record(event(a, T0 + 80 * S, 10, "/new")); // /old is now more than 60 s behind
        List<ContainerTimeline.Entry> copy = t.copy("a", T0 + 90 * S);
        assertEquals(List.of("/middle", "/new"), copy.stream().map(e -> e.event().syscall().args().get("name")).toList());
        assertEquals(1, t.droppedByAge());
        // a copy long after: nothing in the window
        assertEquals(0, t.copy("a", T0 + 1000 * S).size());
        t.expire(T0 + 1000 * S);
        assertEquals(0, t.containers());
        assertEquals(0, t.entries());
    }

    @Test
    void foldsTheSensorsRepeatsIntoOneEntryWithACount() {
        ContainerTimeline t = new ContainerTimeline(ContainerTimeline.Limits.defaults());
        ContainerInfo a = container("a");
        SensorEvent first = event(a, T0, 10, "/etc/shadow");
        t.record(first);
        for (int i = 1; i <= 5000; i++) {
            // the sensor's repeat path: the same syscall and process objects with a new time
            t.record(new SensorEvent(T0 + i * 1000L, first.syscall(), first.process(), a));
        }
        t.record(event(a, T0 + 10 * S, 10, "/etc/hosts"));
        List<ContainerTimeline.Entry> copy = t.copy("a", T0 + 10 * S);
        assertEquals(2, copy.size(), "a flood of one syscall does not push the history out");
        assertEquals(5001, copy.get(0).count());
        assertEquals(T0 + 5000 * 1000L, copy.get(0).lastTime());
        assertSame(first, copy.get(0).event());
    }

    @Test
    void overTheMemoryCapTheLeastRecentlyActiveContainerGoesWhole() {
        // 10 entries of 100 bytes: 1000 bytes in all
        ContainerTimeline t = new ContainerTimeline(new ContainerTimeline.Limits(6, 600 * S, 1000, 100));
        ContainerInfo a = container("a"), b = container("b"), c = container("c");
        for (int i = 0; i < 4; i++) {
            t.record(event(a, T0 + i, 1, "/a" + i));
        }
        for (int i = 0; i < 4; i++) {
            t.record(event(b, T0 + 10 + i, 2, "/b" + i));
        }
        t.record(event(a, T0 + 20, 1, "/a-again")); // a is now more recent than b
        assertEquals(9, t.entries());
        t.record(event(c, T0 + 30, 3, "/c0"));
        t.record(event(c, T0 + 31, 3, "/c1")); // 11 > 10: b, the least recently active, goes
        assertEquals(0, t.copy("b", T0 + 40).size());
        assertEquals(5, t.copy("a", T0 + 40).size());
        assertEquals(2, t.copy("c", T0 + 40).size());
        assertEquals(1, t.evictedContainers());
        assertEquals(7, t.entries());
        assertEquals(700, t.estimatedBytes());
    }

    @Test
    void alertsSitBetweenTheEventsAroundThem() {
        ContainerTimeline t = new ContainerTimeline(ContainerTimeline.Limits.defaults());
        ContainerInfo a = container("a");
        t.record(event(a, T0, 1, "/before"));
        AlertDetail alert = new AlertDetail("id-1", Instant.ofEpochSecond(0, T0 + 5).toString(), "Rule", "CRITICAL", 8, "core-pattern",
                List.of(), List.of(), "out", Map.of(), 1, null, a, null, null, null, null);
        t.alert(alert);
        t.record(event(a, T0 + 10, 1, "/after"));
        t.alert(alert); // a second snapshot of the same alert adds nothing
        List<ContainerTimeline.Entry> copy = t.copy("a", T0 + 10);
        assertEquals(3, copy.size());
        assertTrue(copy.get(1).isAlert());
        assertSame(alert, copy.get(1).alert());
    }

    @Test
    void hostEventsHaveTheirOwnHistoryAndAnOffTimelineKeepsNothing() {
        ContainerTimeline t = new ContainerTimeline(ContainerTimeline.Limits.defaults());
        t.record(event(null, T0, 1, "/etc/passwd"));
        assertEquals(1, t.copy(ContainerTimeline.HOST, T0).size());
        ContainerTimeline off = ContainerTimeline.off();
        off.record(event(null, T0, 1, "/etc/passwd"));
        assertEquals(0, off.entries());
    }
}
