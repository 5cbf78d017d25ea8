package io.bulwark.sensor.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.testing.LiveSensor;
import io.bulwark.sensor.testing.RuncContainer;
import io.bulwark.sensor.testing.TestContainers;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The kernel's cheap early exits must not lose what they exist to pass: the raw syscall programs leave
 * at once for any number whose bit is not set in sc_gate, and the open path filter looks a last
 * component up only when its bit is set in name_bloom. Both tables are filled by Probe; a wrong bit
 * there would silently blind the sensor to a door. So, in a real runc container with the real probe:
 * every syscall of the watch list, and an open by every watched last component, must arrive as events.
 */
@Tag("containers")
@Timeout(120)
class SyscallGateTest {
    static LiveSensor sensor;
    static RuncContainer box;

    @BeforeAll
    static void start() {
        sensor = LiveSensor.get(TestContainers.resolver());
        box = RuncContainer.builder().start();
    }

    @AfterAll
    static void stop() {
        if (box != null) {
            box.close();
        }
    }

    @Test
    void everyWatchedSyscallPassesTheGate() {
        RuncContainer.ExecResult r = box.exec("/bin/bwtrigger", "every-watched");
        assertEquals(0, r.exitCode(), r.output());
        Set<String> watched = new LinkedHashSet<>(Watchlist.EVERYWHERE);
        watched.addAll(Watchlist.CONTAINER_ONLY);
        // judged at their exit by where the working directory ends up: an ordinary one is dropped there
        // by design (LeakedDirectoryTest covers the kept ones)
        watched.removeAll(List.of("chdir", "fchdir"));
        long cg = box.cgroupId();
        List<String> missing = new ArrayList<>();
        for (String name : watched) {
            assertTrue(r.output().contains(name + " rc="), "bwtrigger every-watched does not call " + name + ": " + r.output());
            try {
                sensor.await(name, cg, e -> e.process().cgroupId() == cg && e.syscall().name().equals(name));
            } catch (AssertionError e) {
                missing.add(name);
            }
        }
        assertEquals(List.of(), missing, "watched syscalls made in the container that never arrived");
    }

    @Test
    void anOpenByEveryWatchedLastComponentPassesThePathFilter() {
        // under /proc/ and for write: every kind of name counts there (PATH_PROC and PATH_WRITE ones too)
        List<String> paths = new ArrayList<>();
        for (String n : Watchlist.defaultNames().keySet()) {
            paths.add("/proc/bw-gate/" + n);
        }
        List<String> argv = new ArrayList<>(List.of("/bin/bwtrigger", "openat-write-each"));
        argv.addAll(paths);
        RuncContainer.ExecResult r = box.exec(argv.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.output());
        long cg = box.cgroupId();
        List<String> missing = new ArrayList<>();
        for (String p : paths) {
            try {
                sensor.await("openat " + p, cg, e -> e.process().cgroupId() == cg && e.syscall().name().equals("openat")
                        && p.equals(e.syscall().args().get("path")));
            } catch (AssertionError e) {
                missing.add(p);
            }
        }
        assertEquals(List.of(), missing, "opens of watched names that never arrived");
    }
}
