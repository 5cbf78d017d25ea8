package io.bulwark.sensor.rules;

import io.bulwark.contract.SensorEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the rule engine's time goes, per event type: {@code RuleEngine.count} over {@link RuleEngineBench}'s
 * escape mix (the same 1,024 events), over each event type's events alone, and {@code evaluate} against
 * {@code count} on the matching events alone (the difference is rendering). Nanoseconds per event, three
 * rounds after a warm-up. A plain harness, not JMH: for comparing rule files on one build, not for the goal
 * (that is {@code bench/rules.sh}). Run by {@code bench/rule-types.sh}.
 */
public final class RuleTypeCost {
    private static long sink;

    public static void main(String[] args) throws Exception {
        RuleEngineBench b = new RuleEngineBench();
        b.ruleset = "escape";
        b.setup();
        RuleEngine e = b.engine;
        SensorEvent[] mix = b.events;
        Map<String, List<SensorEvent>> byType = new TreeMap<>();
        List<SensorEvent> matching = new ArrayList<>();
        for (SensorEvent x : mix) {
            byType.computeIfAbsent(x.syscall().name(), k -> new ArrayList<>()).add(x);
            if (e.count(x) > 0) {
                matching.add(x);
            }
        }
        SensorEvent[] hits = matching.toArray(new SensorEvent[0]);
        count(e, mix, 3_000_000); // warm-up
        for (int round = 1; round <= 3; round++) {
            StringBuilder line = new StringBuilder(String.format("round %d: mix %.0f ns", round, count(e, mix, 3_000_000)));
            for (Map.Entry<String, List<SensorEvent>> t : byType.entrySet()) {
                SensorEvent[] evs = t.getValue().toArray(new SensorEvent[0]);
                line.append(String.format("; %s(%d) %.0f", t.getKey(), evs.length, count(e, evs, 1_000_000)));
            }
            line.append(String.format("; matching(%d) evaluate %.0f count %.0f", hits.length, evaluate(e, hits, 1_000_000),
                    count(e, hits, 1_000_000)));
            System.out.println(line);
        }
        System.out.println("(checksum " + sink + ")");
    }

    private static double count(RuleEngine e, SensorEvent[] evs, int n) {
        long t0 = System.nanoTime();
        long s = 0;
        for (int i = 0; i < n; i++) {
            s += e.count(evs[i % evs.length]);
        }
        sink += s;
        return (System.nanoTime() - t0) / (double) n;
    }

    private static double evaluate(RuleEngine e, SensorEvent[] evs, int n) {
        long t0 = System.nanoTime();
        long s = 0;
        for (int i = 0; i < n; i++) {
            s += e.evaluate(evs[i % evs.length]).size();
        }
        sink += s;
        return (System.nanoTime() - t0) / (double) n;
    }
}
