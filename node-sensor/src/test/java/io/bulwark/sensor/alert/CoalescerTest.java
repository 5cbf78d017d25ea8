package io.bulwark.sensor.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CoalescerTest {
    private static final long SEC = 1_000_000_000L;
    private final Coalescer.Key k = new Coalescer.Key("Write to core_pattern", "c1", 42);

    @Test
    void firstAlertIsNeverDelayed() {
        Coalescer<String> c = new Coalescer<>(60 * SEC, 100);
        Coalescer.Emit<String> e = c.offer(k, "a1", 0);
        assertNotNull(e);
        assertEquals("a1", e.item());
        assertEquals(1, e.count());
    }

    @Test
    void repeatsWithinTheWindowBecomeOneAlertWithTheirCountWhenItCloses() {
        Coalescer<String> c = new Coalescer<>(60 * SEC, 100);
        c.offer(k, "a1", 0);
        assertNull(c.offer(k, "a2", 10 * SEC));
        assertNull(c.offer(k, "a3", 20 * SEC));
        assertTrue(c.expire(59 * SEC).isEmpty(), "window still open");
        List<Coalescer.Emit<String>> out = c.expire(60 * SEC);
        assertEquals(1, out.size());
        assertEquals(2, out.get(0).count());
        assertEquals("a3", out.get(0).item(), "the latest occurrence represents the repeats");
        assertEquals(2, c.suppressedTotal());
    }

    @Test
    void differentProcessContainerOrRuleIsNotCoalesced() {
        Coalescer<String> c = new Coalescer<>(60 * SEC, 100);
        c.offer(k, "a", 0);
        assertNotNull(c.offer(new Coalescer.Key(k.rule(), k.container(), 43), "b", 1));
        assertNotNull(c.offer(new Coalescer.Key(k.rule(), "c2", 42), "c", 2));
        assertNotNull(c.offer(new Coalescer.Key("other", k.container(), 42), "d", 3));
    }

    @Test
    void afterTheWindowTheNextOccurrenceIsSentAtOnce() {
        Coalescer<String> c = new Coalescer<>(60 * SEC, 100);
        c.offer(k, "a1", 0);
        assertNotNull(c.offer(k, "a2", 61 * SEC));
    }

    @Test
    void repeatsOfAWindowThatEndedBeforeExpiryRanAreCarriedByTheNextAlert() {
        Coalescer<String> c = new Coalescer<>(60 * SEC, 100);
        c.offer(k, "a1", 0);
        c.offer(k, "a2", 10 * SEC);
        c.offer(k, "a3", 20 * SEC);
        Coalescer.Emit<String> e = c.offer(k, "a4", 61 * SEC); // no expire() in between
        assertNotNull(e, "sent at once");
        assertEquals(3, e.count(), "stands for itself and the two repeats of the ended window: none is lost");
        assertTrue(c.expire(62 * SEC).isEmpty(), "the new window is open and has no repeats yet");
    }

    @Test
    void expiryClosesDueWindowsInTheOrderTheyOpenedAndLeavesTheRest() {
        Coalescer<String> c = new Coalescer<>(60 * SEC, 100);
        Coalescer.Key k2 = new Coalescer.Key("r2", "c1", 1);
        Coalescer.Key k3 = new Coalescer.Key("r3", "c1", 1);
        c.offer(k, "a1", 0);
        c.offer(k2, "b1", 30 * SEC);
        c.offer(k, "a2", 1 * SEC);
        c.offer(k2, "b2", 31 * SEC);
        c.offer(k, "a3", 61 * SEC); // k's window ended: k reopens after k2
        c.offer(k3, "c1", 62 * SEC);
        c.offer(k3, "c2", 63 * SEC);
        List<Coalescer.Emit<String>> out = c.expire(95 * SEC);
        assertEquals(1, out.size(), "only k2's window (opened at 30 s) is due: " + out);
        assertEquals("b2", out.get(0).item());
        List<Coalescer.Emit<String>> later = c.expire(125 * SEC);
        assertEquals(1, later.size(), "k (reopened at 61 s, no repeats) closes silently, k3 (62 s) with its repeat");
        assertEquals("c2", later.get(0).item());
    }

    @Test
    void flushReportsOpenWindowsWithRepeatsOnly() {
        Coalescer<String> c = new Coalescer<>(60 * SEC, 100);
        c.offer(k, "a1", 0);
        c.offer(k, "a2", 1);
        c.offer(new Coalescer.Key("lonely", "c1", 1), "x", 2);
        List<Coalescer.Emit<String>> out = c.flush();
        assertEquals(1, out.size());
        assertEquals(1, out.get(0).count());
    }
}
