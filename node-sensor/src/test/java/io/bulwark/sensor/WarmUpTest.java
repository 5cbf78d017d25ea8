package io.bulwark.sensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.alert.AlertFactory;
import io.bulwark.sensor.detect.Detector;
import io.bulwark.sensor.local.Rulesets;
import io.bulwark.sensor.rules.LoadResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The JIT warm-up that `bulwark up` runs before attaching: synthetic records through the sensor's
 * own code and the escape rules, into sinks of its own. What users depend on: it exercises the
 * paths a flood takes (repeats, full decodes, container and host events, rule matches), it fails
 * nowhere, and nothing of it reaches anything but the sinks it was given.
 */
class WarmUpTest {

    @Test
    void runsTheFloodPathsThroughTheRulesIntoItsOwnSinksOnly() {
        LoadResult rules = Rulesets.loadResult(true, List.of());
        AlertFactory factory = new AlertFactory(new AlertDetail.Node("node-1", null, "6.18"), "local", "dry-run");
        List<List<AlertEnvelope>> perRound = new ArrayList<>();
        List<Detector> detectors = new ArrayList<>();
        Set<String> containers = new HashSet<>();
        Set<String> threads = new HashSet<>();
        WarmUp.Result r = WarmUp.run(() -> {
            List<AlertEnvelope> out = new ArrayList<>();
            perRound.add(out);
            Detector d = new Detector(rules.engine(), factory, 60_000_000_000L, List.of(out::add));
            detectors.add(d);
            return new EventSink() {
                @Override
                public Object accept(SensorEvent e) {
                    threads.add(Thread.currentThread().getName());
                    if (e.container() != null) {
                        containers.add(e.container().id());
                    }
                    return d.onEvent(e);
                }

                @Override
                public void repeat(SensorEvent e, Object state) {
                    d.onRepeat(e, state);
                }
            };
        }, 3, 20_000);

        assertEquals(60_000, r.records());
        assertEquals(0, r.errors(), "every synthetic record decodes and evaluates");
        assertEquals(3, perRound.size(), "a new sink for every round");
        assertEquals(Set.of("bulwark-warm-up-0", "bulwark-warm-up-1", "bulwark-warm-up-2"), threads, "each round on a thread of its own");
        // the storm's identical calls take the repeat path, the rest are decoded in full
        assertTrue(r.repeats() > 20_000 && r.repeats() < r.events(), r.toString());
        assertEquals(Set.of(WarmUp.CONTAINER_ID), containers, "container events are attributed to the made-up container only");
        // round 2 goes through the real container resolver, over empty state plus the made-up container:
        // it finds that one (and only that one), so its rules match as in the other rounds
        for (int k = 0; k < 3; k++) {
            Detector d = detectors.get(k);
            assertTrue(d.matches() > 1_000, "round " + k + " matched the escape rules: " + d.matches());
            assertTrue(perRound.get(k).size() >= 3, "round " + k + " rendered alerts into its own sink: " + perRound.get(k).size());
            for (AlertEnvelope a : perRound.get(k)) {
                String c = a.detail().container() == null ? null : a.detail().container().id();
                assertTrue(c == null || c.equals(WarmUp.CONTAINER_ID), "alert on a real container: " + c);
                assertTrue(a.detail().process().pid() >= WarmUp.PID, "alert on a real process: " + a.detail().process().pid());
            }
        }
    }
}
