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
