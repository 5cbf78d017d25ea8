package io.bulwark.sensor.rules.eval;

import io.bulwark.sensor.rules.fields.EventView;
import io.bulwark.sensor.rules.fields.Extractor;
import io.bulwark.sensor.rules.fields.Values;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A decision structure over the plans of one event type: most rules can only be true when one field has
 * one of a few values ({@code fd.filename in (release_agent, notify_on_release)}, {@code proc.name in
 * (kubectl, ...)}, {@code evt.arg.fstype = cgroup}). Such a test is the rule's <em>guard</em>. Rules are
 * grouped by their guard's field; per event each field is read once and one hash lookup on its value
 * selects the few rules of the group that can be true. Only those, and the rules without a guard, are
 * evaluated.
 *
 * <p>Sound because a guard is necessary for its plan to be TRUE: it is {@code field = "text"} or {@code field
 * in (...)} on text ({@link Preds.TextEq}, {@link Preds.TextIn}) that is an operand of the plan's top-level
 * {@code and} (or of a macro or nested {@code and} there), or an {@code or} all of whose operands have a guard
 * on the same field (the keys are united). Such a test is TRUE only when the value is present and known and
 * its text is one of the keys; for a list value ({@code in} over a list field) the whole group is evaluated.
 * A selected rule is evaluated by its complete plan, so the result of each rule is exactly its plan's.
 *
 * <p>Rules without such a guard that share a macro operand of their top-level {@code and} ({@code
 * bw_container_start} in the five container-start rules) form a group behind the least likely such macro:
 * it is evaluated once (memoised), and the group's plans only when it is TRUE (an {@code and} with an operand
 * that is not TRUE is not TRUE). The rest are evaluated on every event of the type. Results come back in load
 * order whatever group found them.
 */
public final class Dispatch {
    private static final int[] NONE = new int[0];

    private final Pred[] plans;
    /** Rules without a guard, ascending. */
    private final int[] always;
    private final Group[] groups;
    private final MemoGroup[] memoGroups;
    /** The plans as generated code ({@link Codegen}), or null: the plans' trees are walked. */
    private final PlanCode code;

    /** Rules without a field guard that share a macro operand: when the macro is not TRUE, none of them is. */
    static final class MemoGroup {
        final Pred macro;
        final int[] rules;

        MemoGroup(Pred macro, int[] rules) {
            this.macro = macro;
            this.rules = rules;
        }
    }

    /** A macro's memo slot: the same macro in several plans of one type (its nodes may be distinct copies). */
    private record Slot(SlotSpace owner, int slot) {}

    /** Rules guarded by one field: value text to the rules (ascending) whose keys contain it. */
    static final class Group {
        final Extractor field;
        final HashMap<String, int[]> byKey;
        /** Every rule of the group, ascending: for list values. */
        final int[] all;

        Group(Extractor field, HashMap<String, int[]> byKey, int[] all) {
            this.field = field;
            this.byKey = byKey;
            this.all = all;
        }
    }

    /** One guard of a plan: the field and the texts its value must have. */
    record Guard(Extractor field, Set<String> keys) {}

    private Dispatch(Pred[] plans, int[] always, Group[] groups, MemoGroup[] memoGroups, PlanCode code) {
        this.plans = plans;
        this.code = code;
        this.always = always;
        this.groups = groups;
        this.memoGroups = memoGroups;
    }

    /** The structure over {@code plans} (one per rule, in load order), with the plans as generated code when it is on. */
    public static Dispatch of(Pred[] plans) {
        return of(plans, true);
    }

    /**
     * The structure over {@code plans}; {@code generate}: evaluate them through generated code ({@link Codegen})
     * when it is available, else walk their trees. Same results either way.
     */
    public static Dispatch of(Pred[] plans, boolean generate) {
        List<List<Guard>> guards = new ArrayList<>();
        Map<Extractor, Integer> uses = new IdentityHashMap<>();
        for (Pred p : plans) {
            List<Guard> gs = guards(p);
            guards.add(gs);
            Set<Extractor> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            for (Guard g : gs) {
                if (seen.add(g.field)) {
                    uses.merge(g.field, 1, Integer::sum);
                }
            }
        }
        List<Integer> always = new ArrayList<>();
        Map<Extractor, Map<String, List<Integer>>> grouped = new LinkedHashMap<>();
        Map<Extractor, List<Integer>> members = new IdentityHashMap<>();
        for (int i = 0; i < plans.length; i++) {
            Guard best = null;
            for (Guard g : guards.get(i)) {
                // the field most rules of this type are guarded by (fewest lookups per event), then the fewest keys
                if (best == null || uses.get(g.field) > uses.get(best.field)
                        || uses.get(g.field).equals(uses.get(best.field)) && g.keys.size() < best.keys.size()) {
                    best = g;
                }
            }
            if (best == null) {
                always.add(i);
                continue;
            }
            Map<String, List<Integer>> byKey = grouped.computeIfAbsent(best.field, f -> new LinkedHashMap<>());
            for (String k : best.keys) {
                byKey.computeIfAbsent(k, x -> new ArrayList<>()).add(i);
            }
            members.computeIfAbsent(best.field, f -> new ArrayList<>()).add(i);
        }
        List<Group> groups = new ArrayList<>();
        for (Map.Entry<Extractor, Map<String, List<Integer>>> e : grouped.entrySet()) {
            HashMap<String, int[]> byKey = new HashMap<>();
            e.getValue().forEach((k, rs) -> byKey.put(k, ints(rs)));
            groups.add(new Group(e.getKey(), byKey, ints(members.get(e.getKey()))));
        }
        // the rest: grouped by the least likely macro operand that two or more of them share
        Map<Slot, Integer> shared = new HashMap<>();
        for (int i : always) {
            for (Preds.Memo m : macroOperands(plans[i])) {
                shared.merge(new Slot(m.owner, m.slot), 1, Integer::sum);
            }
        }
        List<Integer> rest = new ArrayList<>();
        Map<Slot, List<Integer>> byMacro = new LinkedHashMap<>();
        Map<Slot, Pred> macroNode = new HashMap<>();
        for (int i : always) {
            Preds.Memo best = null;
            for (Preds.Memo m : macroOperands(plans[i])) {
                if (shared.get(new Slot(m.owner, m.slot)) >= 2 && (best == null || Plans.chance(m) < Plans.chance(best))) {
                    best = m;
                }
            }
            if (best == null) {
                rest.add(i);
                continue;
            }
            Slot k = new Slot(best.owner, best.slot);
            byMacro.computeIfAbsent(k, x -> new ArrayList<>()).add(i);
            macroNode.putIfAbsent(k, best);
        }
        List<MemoGroup> memoGroups = new ArrayList<>();
        byMacro.forEach((k, rs) -> memoGroups.add(new MemoGroup(macroNode.get(k), ints(rs))));
        int[] restArr = ints(rest);
        Group[] groupArr = groups.toArray(new Group[0]);
        MemoGroup[] memoArr = memoGroups.toArray(new MemoGroup[0]);
        return new Dispatch(plans, restArr, groupArr, memoArr, generate ? Codegen.compile(plans, restArr, groupArr, memoArr) : null);
    }

    /** Macro (memo) operands of the plan's top-level {@code and}, or the plan itself when it is one. */
    private static List<Preds.Memo> macroOperands(Pred p) {
        if (p instanceof Preds.Memo m) {
            return List.of(m);
        }
        List<Preds.Memo> out = new ArrayList<>();
        if (p instanceof Preds.And a) {
            for (Pred t : a.terms()) {
                if (t instanceof Preds.Memo m) {
                    out.add(m);
                }
            }
        }
        return out;
    }

    private static int[] ints(List<Integer> l) {
        int[] a = new int[l.size()];
        for (int k = 0; k < a.length; k++) {
            a[k] = l.get(k);
        }
        return a;
    }

    /**
     * Guards of {@code p}: tests each of which is TRUE whenever {@code p} is TRUE (see the class comment).
     * Empty when none is known.
     */
    static List<Guard> guards(Pred p) {
        if (p instanceof Preds.TextEq e && !e.negated()) {
            return List.of(new Guard(e.field(), Set.of(e.text())));
        }
        if (p instanceof Preds.TextIn in) {
            return List.of(new Guard(in.field(), in.keys()));
        }
        if (p instanceof Preds.Memo m) {
            return guards(m.inner);
        }
        if (p instanceof Preds.And a) {
            List<Guard> out = new ArrayList<>();
            for (Pred t : a.terms()) {
                out.addAll(guards(t));
            }
            return out;
        }
        if (p instanceof Preds.Or o) {
            // a field every operand is guarded by; its keys are the union of theirs
            Map<Extractor, Set<String>> common = null;
            for (Pred t : o.terms()) {
                if (t instanceof Preds.Const c && c.value != Pred.TRUE) {
                    continue; // never TRUE: adds no key
                }
                Map<Extractor, Set<String>> here = new IdentityHashMap<>();
                for (Guard g : guards(t)) {
                    here.computeIfAbsent(g.field, f -> new LinkedHashSet<>()).addAll(g.keys);
                }
                if (common == null) {
                    common = here;
                    continue;
                }
                Map<Extractor, Set<String>> next = new IdentityHashMap<>();
                for (Map.Entry<Extractor, Set<String>> e : common.entrySet()) {
                    Set<String> k = here.get(e.getKey());
                    if (k != null) {
                        Set<String> u = new LinkedHashSet<>(e.getValue());
                        u.addAll(k);
                        next.put(e.getKey(), u);
                    }
                }
                common = next;
            }
            List<Guard> out = new ArrayList<>();
            if (common != null) {
                common.forEach((f, k) -> out.add(new Guard(f, k)));
            }
            return out;
        }
        return List.of();
    }

    /** Whether the plans run as generated code (else their trees are walked). */
    public boolean generated() {
        return code != null;
    }

    /** Number of rules that are evaluated on every event of the type (no field guard, no shared macro). */
    public int unguarded() {
        return always.length;
    }

    /** The indices (ascending) of the plans that are TRUE for {@code ev}; null when none is. */
    public int[] match(EventView ev) {
        PlanCode c = code;
        if (c != null) {
            int[] buf = ev.scratch(plans.length);
            int n = c.match(ev, buf);
            if (n == 0) {
                return null;
            }
            int[] out = Arrays.copyOf(buf, n);
            Arrays.sort(out);
            return out;
        }
        Pred[] ps = plans; // walked
        int[] hits = null;
        int n = 0;
        for (int i : always) {
            if (ps[i].test(ev) == Pred.TRUE) {
                hits = add(hits, n++, i);
            }
        }
        for (Group g : groups) {
            int[] cand = select(g, ev);
            for (int i : cand) {
                if (ps[i].test(ev) == Pred.TRUE) {
                    hits = add(hits, n++, i);
                }
            }
        }
        for (MemoGroup g : memoGroups) {
            if (g.macro.test(ev) == Pred.TRUE) {
                for (int i : g.rules) {
                    if (ps[i].test(ev) == Pred.TRUE) {
                        hits = add(hits, n++, i);
                    }
                }
            }
        }
        if (hits == null) {
            return null;
        }
        int[] out = n == hits.length ? hits : Arrays.copyOf(hits, n);
        Arrays.sort(out);
        return out;
    }

    /**
     * What {@link #match} gives, without an array of its own: the indices of the plans that are TRUE for {@code
     * ev}, ascending, are left in the first n elements of {@code ev.scratch(...)}; returns n (0 when none is).
     * They stay there until the view's next dispatch.
     */
    public int matchInScratch(EventView ev) {
        PlanCode c = code;
        int[] buf = ev.scratch(plans.length);
        if (c != null) {
            int n = c.match(ev, buf);
            if (n > 1) {
                Arrays.sort(buf, 0, n);
            }
            return n;
        }
        int[] hits = match(ev);
        if (hits == null) {
            return 0;
        }
        System.arraycopy(hits, 0, buf, 0, hits.length);
        return hits.length;
    }

    /** How many plans are TRUE for {@code ev}. */
    public int count(EventView ev) {
        PlanCode c = code;
        if (c != null) {
            return c.match(ev, ev.scratch(plans.length));
        }
        Pred[] ps = plans; // walked
        int n = 0;
        for (int i : always) {
            if (ps[i].test(ev) == Pred.TRUE) {
                n++;
            }
        }
        for (Group g : groups) {
            for (int i : select(g, ev)) {
                if (ps[i].test(ev) == Pred.TRUE) {
                    n++;
                }
            }
        }
        for (MemoGroup g : memoGroups) {
            if (g.macro.test(ev) == Pred.TRUE) {
                for (int i : g.rules) {
                    if (ps[i].test(ev) == Pred.TRUE) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /** The rules of {@code g} that can be true for the value of its field in {@code ev}. */
    private static int[] select(Group g, EventView ev) {
        return select(g, g.field.get(ev));
    }

    /** The rules of {@code g} that can be true when its field's value is {@code v} (also for generated code). */
    static int[] select(Group g, Object v) {
        if (v == null || v == Values.UNKNOWN) {
            return NONE; // every guard is FALSE or UNKNOWN: no rule of the group is TRUE
        }
        int[] cand;
        if (v instanceof String s) {
            cand = g.byKey.get(s);
        } else if (v instanceof List<?>) {
            return g.all;
        } else {
            cand = g.byKey.get(Values.text(v));
        }
        return cand == null ? NONE : cand;
    }

    private static int[] add(int[] hits, int n, int i) {
        if (hits == null) {
            hits = new int[4];
        } else if (n == hits.length) {
            hits = Arrays.copyOf(hits, n * 2);
        }
        hits[n] = i;
        return hits;
    }
}
