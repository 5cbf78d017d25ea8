package io.bulwark.sensor.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.Json;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.alert.AlertFactory;
import io.bulwark.sensor.rules.LoadResult;
import io.bulwark.sensor.rules.RuleLoader;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sensor hands identical repeats of an event to {@link Detector#onRepeat} with the first
 * event's verdict. That is only sound when no condition reads the event's time: then the repeat
 * must count exactly as a full evaluation would; otherwise it must be evaluated in full.
 */
class DetectorRepeatTest {
    static final String RULES = """
            - rule: Write to core_pattern
              desc: test
              condition: evt.type in (open, openat) and fd.name = /proc/sys/kernel/core_pattern
              output: core_pattern write by %proc.name (file=%fd.name time=%evt.time)
              priority: CRITICAL
              tags: [container, vector:core-pattern, T1611]
            """;
    static final String TIMED = """
            - macro: after_epoch
              condition: evt.rawtime > 0
            - rule: Timed core_pattern write
              desc: test
              condition: evt.type in (open, openat) and fd.name = /proc/sys/kernel/core_pattern and after_epoch
              output: core_pattern write (time=%evt.time)
              priority: CRITICAL
              tags: [container, vector:core-pattern, T1611]
            """;

    static SensorEvent fixture() throws Exception {
        try (InputStream in = DetectorRepeatTest.class.getResourceAsStream("/events/core_pattern_open.json")) {
            return Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), SensorEvent.class);
        }
    }

    static Detector detector(String yaml, List<AlertEnvelope> out, long[] clock) {
        LoadResult r = new RuleLoader().loadSources(List.of(new RuleLoader.Source("test.yaml", yaml)));
        assertTrue(r.errors().isEmpty(), r.errors().toString());
        AlertFactory f = new AlertFactory(new AlertDetail.Node("node-1", null, "6.18"), "local", "dry-run");
        return new Detector(r.engine(), f, 60_000_000_000L, List.of(out::add), () -> clock[0]);
    }

    static SensorEvent at(SensorEvent e, long time) {
        return new SensorEvent(time, e.syscall(), e.process(), e.container());
    }

    @Test
    void repeatsReuseTheVerdictAndCountLikeFullEvaluations() throws Exception {
        SensorEvent first = fixture();
        List<AlertEnvelope> viaRepeats = new ArrayList<>();
        long[] clock = {0};
        Detector d = detector(RULES, viaRepeats, clock);
        assertTrue(d.verdictsReusable(), "no condition reads the time");
        Object verdict = d.onEvent(first);
        assertNotNull(verdict);
        for (int i = 1; i <= 99; i++) {
            d.onRepeat(at(first, first.time() + i), verdict);
        }
        clock[0] = 120_000_000_000L;
        d.tick();

        List<AlertEnvelope> viaFull = new ArrayList<>();
        long[] clock2 = {0};
        Detector full = detector(RULES, viaFull, clock2);
        for (int i = 0; i <= 99; i++) {
            full.onEvent(at(first, first.time() + i));
        }
        clock2[0] = 120_000_000_000L;
        full.tick();

        assertEquals(99, d.repeats());
        assertEquals(100, d.events());
        assertEquals(full.matches(), d.matches(), "same matches");
        assertEquals(viaFull.size(), viaRepeats.size(), "same alerts");
        for (int i = 0; i < viaFull.size(); i++) {
            assertEquals(viaFull.get(i).detail().rule(), viaRepeats.get(i).detail().rule());
            assertEquals(viaFull.get(i).detail().count(), viaRepeats.get(i).detail().count(), "same coalesced counts");
        }
        assertEquals(2, viaRepeats.size(), "the first alert at once, the 99 repeats when the window closes");
    }

    @Test
    void aConditionOnTheTimeThroughAMacroDisablesVerdictReuse() throws Exception {
        SensorEvent first = fixture();
        List<AlertEnvelope> out = new ArrayList<>();
        Detector d = detector(TIMED, out, new long[] {0});
        assertFalse(d.verdictsReusable(), "evt.rawtime is read (inside a macro)");
        assertNull(d.onEvent(first), "no verdict handed out");
        d.onRepeat(at(first, first.time() + 1), null);
        assertEquals(0, d.repeats(), "evaluated in full");
        assertEquals(2, d.events());
        assertEquals(2, d.matches());
    }

    @Test
    void aNonMatchingEventRepeatsAsNonMatching() throws Exception {
        SensorEvent first = fixture();
        SensorEvent other = new SensorEvent(first.time(), new io.bulwark.contract.Syscall("openat",
                java.util.Map.of("name", "/etc/hostname", "path", "/etc/hostname", "flags", "O_RDONLY"), 3, null),
                first.process(), first.container());
        List<AlertEnvelope> out = new ArrayList<>();
        Detector d = detector(RULES, out, new long[] {0});
        Object verdict = d.onEvent(other);
        d.onRepeat(at(other, other.time() + 1), verdict);
        assertEquals(0, d.matches());
        assertEquals(1, d.repeats());
        assertTrue(out.isEmpty());
    }
}
