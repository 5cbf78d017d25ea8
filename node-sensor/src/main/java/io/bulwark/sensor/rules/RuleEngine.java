package io.bulwark.sensor.rules;

import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.rules.eval.Dispatch;
import io.bulwark.sensor.rules.eval.OutputTemplate;
import io.bulwark.sensor.rules.eval.Plans;
import io.bulwark.sensor.rules.eval.Pred;
import io.bulwark.sensor.rules.eval.SlotSpace;
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
 *
 * <p>Each (event type, rule) pair is evaluated through a plan ({@link Plans}): the condition with its
 * {@code evt.type} tests decided by the index, constants folded and cheap tests first; rules whose plan
 * can never be true for a type are skipped for it. Within a type, a {@link Dispatch} reads each guard field
 * once and evaluates only the rules its value can make true. Macro results and field values are remembered
 * per event (one slot each, {@link SlotSpace}), so rules sharing {@code container} or {@code fd.name} pay once.
 * Each type's plans and dispatch run as one generated class ({@code eval.Codegen}), so that the JIT inlines every
 * test and field read; the trees are walked instead when generation is off ({@code -Dbulwark.rules.codegen=false},
 * native image) — same results.
 */
public final class RuleEngine {
    private static final Rule[] NONE = new Rule[0];

    private final List<Rule> rules;
    private final Map<String, Rule[]> byType;
    private final Rule[] unrestricted;
    private final AtomicLong seq = new AtomicLong();
    /** Each thread's reusable view (see {@link #view}). */
    private final ThreadLocal<EventView> scratch = new ThreadLocal<>();
    /** The view of the thread that last made one (see {@link #view}); one thread calling: no ThreadLocal lookup. */
    private Owned lastView;
    private final SlotSpace slots;
    private final Map<String, Plan> plans;
    private final Plan unrestrictedPlan;

    /** The rules to evaluate for one event type, each with its plan, in load order, and the dispatch over them. */
    private record Plan(Rule[] rules, Pred[] preds, Dispatch dispatch) {
        static Plan of(Rule[] rules, String type, boolean generate) {
            List<Rule> rs = new ArrayList<>();
            List<Pred> ps = new ArrayList<>();
            for (Rule r : rules) {
                Pred p = Plans.plan(r.predicate(), type);
                int c = Plans.constant(p);
                if (c == Pred.FALSE || c == Pred.UNKNOWN) {
                    continue; // never definitely true on this type
                }
                rs.add(r);
                ps.add(p);
            }
            Pred[] preds = ps.toArray(new Pred[0]);
            return new Plan(rs.toArray(NONE), preds, Dispatch.of(preds, generate));
        }
    }

    private RuleEngine(List<Rule> rules, SlotSpace slots, boolean generate) {
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
        if (slots == null) {
            for (Rule r : rules) {
                slots = Plans.owner(r.predicate());
                if (slots != null) {
                    break;
                }
            }
        }
        this.slots = slots;
        Map<String, Plan> p = new HashMap<>();
        for (Map.Entry<String, Rule[]> e : index.entrySet()) {
            // interned: the decoder's syscall names are constants, so the lookup usually succeeds on identity
            p.put(e.getKey().intern(), Plan.of(e.getValue(), e.getKey(), generate));
        }
        this.plans = p;
        this.unrestrictedPlan = Plan.of(unrestricted, null, generate);
    }

    /**
     * Every field the rules' conditions read, or null when that is not known (rules compiled in
     * different spaces). Used to decide whether a verdict depends on the event's time.
     */
    public Set<String> conditionFields() {
        if (slots == null) {
            return rules.isEmpty() ? Set.of() : null;
        }
        for (Rule r : rules) {
            SlotSpace owner = Plans.owner(r.predicate());
            if (owner != null && owner != slots) {
                return null;
            }
        }
        return slots.fields();
    }

    /** An engine over {@code rules} (loaded, enabled rules, in load order). */
    public static RuleEngine of(List<Rule> rules) {
        return new RuleEngine(rules, null, true);
    }

    /** An engine over {@code rules} compiled in {@code slots} (per-event memo of macros and fields). */
    public static RuleEngine of(List<Rule> rules, SlotSpace slots) {
        return new RuleEngine(rules, slots, true);
    }

    /**
     * This engine's rules in an engine that walks the plans' condition trees instead of running them as generated
     * code (what {@code -Dbulwark.rules.codegen=false} and native images do). Same results; for tests and comparisons.
     */
    public RuleEngine withoutGeneratedCode() {
        return new RuleEngine(rules, slots, false);
    }

    /**
     * Event types with rules to evaluate whose rules do not run as generated code but by walking their condition
     * trees (an empty string stands for the rules on every type), sorted. Empty unless code generation is off
     * ({@link #withoutGeneratedCode}, {@code -Dbulwark.rules.codegen=false}, native image) or failed.
     */
    public List<String> walkedTypes() {
        List<String> out = new ArrayList<>();
        plans.forEach((t, p) -> {
            if (p.rules.length > 0 && !p.dispatch.generated()) {
                out.add(t);
            }
        });
        if (unrestrictedPlan.rules.length > 0 && !unrestrictedPlan.dispatch.generated()) {
            out.add("");
        }
        out.sort(null);
        return out;
    }

    /**
     * A view of {@code event} with the next event number. With a slot space, each thread reuses one view
     * (reset per event): its memo arrays are sized for every macro and field of the ruleset, too large to
     * allocate per event. A view never leaves the call that made it.
     */
    private EventView view(SensorEvent event) {
        long n = seq.incrementAndGet();
        if (slots == null) {
            return new EventView(event, n);
        }
        Thread t = Thread.currentThread();
        Owned o = lastView;
        if (o != null && o.thread == t) {
            return o.view.reset(event, n); // the thread that called last: its view, without the ThreadLocal lookup
        }
        EventView v = scratch.get();
        if (v == null) {
            scratch.set(v = slots.view(event, n));
        } else {
            v.reset(event, n);
        }
        lastView = new Owned(t, v);
        return v;
    }

    /**
     * A thread's reusable view. Published through a plain field: its fields are final, so another thread sees
     * either null, or a complete pair that it ignores unless the thread is itself; a thread only ever takes its
     * own view.
     */
    private static final class Owned {
        final Thread thread;
        final EventView view;

        Owned(Thread thread, EventView view) {
            this.thread = thread;
            this.view = view;
        }
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
        EventView ev = view(event);
        Plan plan = plans.getOrDefault(ev.type(), unrestrictedPlan);
        int n = plan.dispatch.matchInScratch(ev);
        // the few events that match are rendered in a method of their own: this one stays small, the same
        // shape as count()'s, whatever the JIT makes of rendering
        return n == 0 ? List.of() : rendered(plan.rules, ev, n);
    }

    /** The matches whose plan indices are the first {@code n} of the view's scratch, rendered. */
    private static List<RuleMatch> rendered(Rule[] rs, EventView ev, int n) {
        int[] hits = ev.scratch(n);
        if (n == 1) {
            return List.of(render(rs[hits[0]], ev));
        }
        Rule[] matched = new Rule[n]; // taken from the view's scratch before anything else runs on the view
        for (int k = 0; k < n; k++) {
            matched[k] = rs[hits[k]];
        }
        List<RuleMatch> out = new ArrayList<>(n);
        for (Rule r : matched) {
            out.add(render(r, ev));
        }
        return out;
    }

    /**
     * The rules that match {@code event}, without rendering their outputs: for callers that render
     * only some matches (the alert coalescer renders only what it lets through). Render with
     * {@link #render(Rule, SensorEvent)}.
     */
    public List<Rule> matchingRules(SensorEvent event) {
        return matching(view(event));
    }

    private List<Rule> matching(EventView ev) {
        Plan plan = plans.getOrDefault(ev.type(), unrestrictedPlan);
        int n = plan.dispatch.matchInScratch(ev);
        if (n == 0) {
            return List.of();
        }
        int[] hits = ev.scratch(n);
        Rule[] rs = plan.rules;
        if (n == 1) {
            return List.of(rs[hits[0]]);
        }
        Rule[] out = new Rule[n];
        for (int k = 0; k < n; k++) {
            out[k] = rs[hits[k]];
        }
        return List.of(out);
    }

    /** Renders one rule's output for an event, exactly as {@link #evaluate} does for a match. */
    public RuleMatch render(Rule rule, SensorEvent event) {
        return render(rule, view(event));
    }

    private static RuleMatch render(Rule rule, EventView ev) {
        // one read per distinct field; output_fields is a read-only view of the same values (see OutputTemplate)
        OutputTemplate t = rule.output();
        Object[] values = t.values(ev);
        return new RuleMatch(rule, t.text(values), t.fields(values));
    }

    /** How many rules match, without rendering outputs (for benchmarks and dry runs). */
    public int count(SensorEvent event) {
        EventView ev = view(event);
        return plans.getOrDefault(ev.type(), unrestrictedPlan).dispatch.count(ev);
    }
}
