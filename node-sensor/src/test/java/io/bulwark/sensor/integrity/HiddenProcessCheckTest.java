package io.bulwark.sensor.integrity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.sensor.probe.KernelReader;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A process cannot really be hidden here (no modules; bpf_probe_write_user is refused under
 * lockdown=integrity), so the /proc side is filtered in the test, as a getdents hook would
 * filter it; the kernel side is the real task iterator and the victim a real process.
 */
@Tag("kernel")
class HiddenProcessCheckTest {

    @Test
    void aLiveProcessMissingFromTheProcListingIsHidden() throws Exception {
        assertEquals(null, HiddenProcessCheck.unavailable(), "the tests run in the host pid namespace");
        Process victim = new ProcessBuilder("sleep", "600").start();
        try (KernelReader reader = KernelReader.open()) {
            int pid = (int) victim.pid();
            Map<String, Object> stats = new HashMap<>();
            List<Finding> f = HiddenProcessCheck.compare(reader::tasks, () -> {
                Set<Integer> s = HiddenProcessCheck.listProc();
                s.remove(pid);
                return s;
            }, stats);
            assertEquals(1, f.size(), f.toString());
            assertEquals(IntegrityRules.HIDDEN_PROCESS, f.get(0).rule());
            assertEquals(pid, f.get(0).details().get("pid"));
            assertEquals("sleep", f.get(0).details().get("comm"));
            assertEquals(true, f.get(0).details().get("visible_by_name"));

            assertEquals(List.of(), HiddenProcessCheck.compare(reader::tasks, HiddenProcessCheck::listProc, new HashMap<>()),
                    "unfiltered /proc hides nothing");
        } finally {
            victim.destroyForcibly();
        }
    }

    @Test
    void processesStartingOrEndingBetweenTheLooksAreNotHidden() {
        AtomicInteger kernelCalls = new AtomicInteger();
        AtomicInteger procCalls = new AtomicInteger();
        // pid 500 started after the first /proc listing; pid 600 exited before the second kernel look.
        List<Finding> f = HiddenProcessCheck.compare(
                () -> kernelCalls.getAndIncrement() == 0
                        ? List.of(new KernelReader.KernelTask(1, 1, "init"), new KernelReader.KernelTask(500, 1, "new"), new KernelReader.KernelTask(600, 1, "gone"))
                        : List.of(new KernelReader.KernelTask(1, 1, "init"), new KernelReader.KernelTask(500, 1, "new")),
                () -> procCalls.getAndIncrement() == 0 ? new HashSet<>(Set.of(1)) : new HashSet<>(Set.of(1, 500)),
                new HashMap<>());
        assertEquals(List.of(), f);
        assertTrue(kernelCalls.get() == 2 && procCalls.get() == 2, "a second look was taken");
    }
}
