package io.bulwark.sensor.rules;

import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.rules.fields.EventView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Evaluates loaded rules on events. Rules are indexed by the event types their condition can match
 * (as Falco does): an event meets only the rules for its {@code evt.type} plus the rules that are not
 * restricted to event types. Thread-safe; rules fire in load order.
 */
public final class RuleEngine {
    private static final Rule[] NONE = new Rule[0];

    private final List<Rule> rules;
    private final Map<String, Rule[]> byType;
    private final Rule[] unrestricted;
    private final AtomicLong seq = new AtomicLong();

    private RuleEngine(List<Rule> rules) {
        this.rules = List.copyOf(rules);
        Set<String> names = new LinkedHashSet<>();
        List<Rule> cofinite = new ArrayList<>();
        for (Rule r : rules) {
            names.addAll(r.eventTypes().names());
            if (r.eventTypes().cofinite()) {
                cofinite.add(r);
            }
        }
        Map<String, Rule[]> index = new HashMap<>();
        for (String t : names) {
            List<Rule> forType = new ArrayList<>();
            for (Rule r : rules) {
                if (r.eventTypes().contains(t)) {
                    forType.add(r);
                }
            }
            index.put(t, forType.toArray(NONE));
        }
        this.byType = index;
        this.unrestricted = cofinite.toArray(NONE);
    }

    /** An engine over {@code rules} (loaded, enabled rules, in load order). */
    public static RuleEngine of(List<Rule> rules) {
        return new RuleEngine(rules);
    }

    public List<Rule> rules() {
        return rules;
    }

    /** The rules an event of this type is evaluated against, in load order. */
    public List<Rule> candidates(String eventType) {
        return List.of(byType.getOrDefault(eventType, unrestricted));
    }

    /** Event types with rules of their own (not counting unrestricted rules), with how many rules each. */
    public Map<String, Integer> index() {
        Map<String, Integer> m = new LinkedHashMap<>();
        byType.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> m.put(e.getKey(), e.getValue().length));
        return m;
    }

    /** Rules evaluated on every event type. */
    public List<Rule> unrestricted() {
        return List.of(unrestricted);
    }

    /** The rules that match {@code event}, with their rendered outputs; empty when none does. */
    public List<RuleMatch> evaluate(SensorEvent event) {
        EventView ev = new EventView(event, seq.incrementAndGet());
        Rule[] candidates = byType.getOrDefault(ev.type(), unrestricted);
        List<RuleMatch> out = null;
        for (Rule r : candidates) {
            if (r.matches(ev)) {
                if (out == null) {
                    out = new ArrayList<>(2);
                }
                Map<String, Object> fields = new LinkedHashMap<>();
                String text = r.output().render(ev, fields);
                out.add(new RuleMatch(r, text, fields));
            }
        }
        return out == null ? List.of() : out;
    }

    /** How many rules match, without rendering outputs (for benchmarks and dry runs). */
    public int count(SensorEvent event) {
        EventView ev = new EventView(event, seq.incrementAndGet());
        int n = 0;
        for (Rule r : byType.getOrDefault(ev.type(), unrestricted)) {
            if (r.matches(ev)) {
                n++;
            }
        }
        return n;
    }
}
