package io.bulwark.sensor.rules.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Evaluation plans: a rule's compiled condition rewritten for the event type the engine's index already
 * knows. {@code evt.type} tests become constants, constants are folded with the same three-valued rules
 * as {@link Preds.And}, {@link Preds.Or} and {@link Preds.Not}, and the operands of {@code and}/{@code or}
 * are ordered cheapest first. Both are sound: the nodes have no side effects, and the three-valued
 * {@code and}/{@code or} of the engine give the same result in any operand order (any FALSE, else any
 * UNKNOWN, else TRUE; dually for {@code or}). A plan gives the same result as the original condition on
 * every event of its type.
 */
public final class Plans {
    private Plans() {}

    /** {@code p} for events whose {@code evt.type} is {@code type} (null: any type). */
    public static Pred plan(Pred p, String type) {
        return spec(p, type);
    }

    /** The constant result of a plan (TRUE, FALSE or UNKNOWN), or -1 when it depends on the event. */
    public static int constant(Pred p) {
        return p instanceof Preds.Const c ? c.value : -1;
    }

    /** The slot space of the first memoised node in {@code p}, or null. */
    public static SlotSpace owner(Pred p) {
        if (p instanceof Preds.Memo m) {
            return m.owner;
        }
        Pred[] terms = p instanceof Preds.And a ? a.terms() : p instanceof Preds.Or o ? o.terms() : null;
        if (terms != null) {
            for (Pred t : terms) {
                SlotSpace s = owner(t);
                if (s != null) {
                    return s;
                }
            }
            return null;
        }
        return p instanceof Preds.Not n ? owner(n.term()) : null;
    }

    private static Pred spec(Pred p, String type) {
        if (p instanceof Preds.TypeCheck tc) {
            return type == null ? p : Preds.Const.of(tc.on(type));
        }
        if (p instanceof Preds.Memo m) {
            Pred in = spec(m.inner, type);
            if (in instanceof Preds.Const) {
                return in;
            }
            return in == m.inner ? m : new Preds.Memo(in, m.owner, m.slot);
        }
        if (p instanceof Preds.Not n) {
            Pred in = spec(n.term(), type);
            if (in instanceof Preds.Const c) {
                return Preds.Const.of(c.value == Pred.UNKNOWN ? Pred.UNKNOWN : 1 - c.value);
            }
            return new Preds.Not(in);
        }
        if (p instanceof Preds.And a) {
            return junction(a.terms(), type, true);
        }
        if (p instanceof Preds.Or o) {
            return junction(o.terms(), type, false);
        }
        return p;
    }

    /** and ({@code and = true}) / or: fold constants, order the rest cheapest first. */
    private static Pred junction(Pred[] terms, String type, boolean and) {
        int absorbing = and ? Pred.FALSE : Pred.TRUE;
        int neutral = and ? Pred.TRUE : Pred.FALSE;
        List<Pred> rest = new ArrayList<>();
        boolean unknown = false;
        for (Pred t : terms) {
            Pred s = spec(t, type);
            if (s instanceof Preds.Const c) {
                if (c.value == absorbing) {
                    return c;
                }
                if (c.value == Pred.UNKNOWN) {
                    unknown = true;
                }
                continue; // neutral: drop
            }
            rest.add(s);
        }
        if (rest.isEmpty()) {
            return Preds.Const.of(unknown ? Pred.UNKNOWN : neutral);
        }
        // cheapest per chance of deciding first: c / P(FALSE) for and, c / P(TRUE) for or (the classic order for
        // independent tests); the estimates are rough, the order never changes a result
        rest.sort(Comparator.comparingDouble(t -> rank(t, and)));
        if (unknown) {
            // cannot be the neutral result any more: absorbing if a term is, else UNKNOWN
            rest.add(Preds.Const.UNKNOWN_);
        }
        if (rest.size() == 1) {
            return rest.get(0);
        }
        Pred[] arr = rest.toArray(new Pred[0]);
        return and ? new Preds.And(arr) : new Preds.Or(arr);
    }

    /** Sort key of an operand of {@code and} ({@code and = true}) / {@code or}: cost per chance of ending the walk. */
    static double rank(Pred p, boolean and) {
        double pt = chance(p);
        double decide = and ? 1 - pt : pt;
        return cost(p) / Math.max(decide, 0.01);
    }

    /**
     * A rough expected cost: field tests are cheap, regular expressions dear; {@code and}/{@code or} pay for an
     * operand only when the ones before did not decide.
     */
    static double cost(Pred p) {
        if (p instanceof Preds.Const) {
            return 0;
        }
        if (p instanceof Preds.TypeCheck || p instanceof Preds.BoolEq || p instanceof Preds.TextEq || p instanceof Preds.Exists) {
            return 2;
        }
        if (p instanceof Preds.TextIn || p instanceof Preds.TextStartsWith) {
            return 3;
        }
        if (p instanceof Preds.Regex) {
            return 30;
        }
        if (p instanceof Preds.Memo m) {
            return 0.5 + cost(m.inner);
        }
        if (p instanceof Preds.Not n) {
            return cost(n.term());
        }
        boolean and = p instanceof Preds.And;
        Pred[] terms = and ? ((Preds.And) p).terms() : p instanceof Preds.Or o ? o.terms() : null;
        if (terms != null) {
            double c = 0;
            double reach = 1;
            for (Pred t : terms) {
                c += reach * cost(t);
                double pt = chance(t);
                reach *= and ? pt : 1 - pt;
            }
            return c;
        }
        return 6; // generic checks: glob, pmatch, contains, numbers, val()
    }

    /**
     * A rough chance that {@code p} is not FALSE (TRUE or UNKNOWN: both let an {@code and} go on). Tests of a
     * field against constants are usually false, their negations usually true.
     */
    static double chance(Pred p) {
        if (p instanceof Preds.Const c) {
            return c.value == Pred.FALSE ? 0 : 1;
        }
        if (p instanceof Preds.TextEq e) {
            return e.negated() ? 0.9 : 0.1;
        }
        if (p instanceof Preds.BoolEq b) {
            return b.expectsTrue() ? 0.2 : 0.8;
        }
        if (p instanceof Preds.TypeCheck || p instanceof Preds.TextIn || p instanceof Preds.Regex) {
            return 0.1;
        }
        if (p instanceof Preds.TextStartsWith) {
            return 0.2;
        }
        if (p instanceof Preds.Exists || p instanceof Preds.FieldCompare) {
            return 0.5;
        }
        if (p instanceof Preds.Memo m) {
            return chance(m.inner);
        }
        if (p instanceof Preds.Not n) {
            return 1 - chance(n.term());
        }
        if (p instanceof Preds.And a) {
            double c = 1;
            for (Pred t : a.terms()) {
                c *= chance(t);
            }
            return c;
        }
        if (p instanceof Preds.Or o) {
            double c = 1;
            for (Pred t : o.terms()) {
                c *= 1 - chance(t);
            }
            return 1 - c;
        }
        return 0.2;
    }
}
