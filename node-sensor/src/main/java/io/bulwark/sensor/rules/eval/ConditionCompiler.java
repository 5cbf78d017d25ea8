package io.bulwark.sensor.rules.eval;

import io.bulwark.sensor.rules.condition.Ast;
import io.bulwark.sensor.rules.condition.Operators;
import io.bulwark.sensor.rules.condition.Origin;
import io.bulwark.sensor.rules.fields.Extractor;
import io.bulwark.sensor.rules.fields.FieldRegistry;
import io.bulwark.sensor.rules.fields.FieldType;
import io.bulwark.sensor.rules.fields.IpAddr;
import io.bulwark.sensor.rules.fields.Values;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles parsed conditions into {@link Pred} trees: macros inlined, lists expanded, field names
 * resolved to extractors once. Also works out which event types a condition can match.
 */
public final class ConditionCompiler {

    /** A macro as the loader collected it: parsed condition, or the reason it did not parse. */
    public record MacroDef(String name, Ast ast, Origin origin, String error) {}

    /** Something wrong with a condition. UNSUPPORTED: a valid Falco field Bulwark lacks. */
    public record Issue(Kind kind, Origin.Position position, String field, String message) {
        public enum Kind { ERROR, UNSUPPORTED }
    }

    /** The result of compiling one condition; {@code pred} is null when there are issues. */
    public record Compiled(Pred pred, TypeSet types, List<Issue> issues) {}

    private record Node(Pred pred, TypeSet t, TypeSet f) {}

    private record MacroResult(Node node, List<Issue> issues) {}

    private static final Node BROKEN = new Node(null, TypeSet.ALL, TypeSet.ALL);

    private final FieldRegistry registry;
    private final Map<String, MacroDef> macros;
    private final Map<String, List<String>> lists;
    private final Map<String, MacroResult> macroCache = new HashMap<>();
    private final Set<String> expanding = new LinkedHashSet<>();
    private final Set<String> usedMacros = new HashSet<>();
    private final Set<String> usedLists = new HashSet<>();
    private final SlotSpace slots = new SlotSpace();
    private final Map<String, Extractor> cachedFields = new HashMap<>();
    private final Map<String, Node> leaves = new HashMap<>();

    public ConditionCompiler(FieldRegistry registry, Map<String, MacroDef> macros, Map<String, List<String>> lists) {
        this.registry = registry;
        this.macros = macros;
        this.lists = lists;
    }

    public Compiled compile(Ast ast, Origin origin) {
        List<Issue> issues = new ArrayList<>();
        Node n = node(ast, origin, issues);
        List<Issue> distinct = List.copyOf(new LinkedHashSet<>(issues));
        return new Compiled(distinct.isEmpty() ? n.pred : null, n.t, distinct);
    }

    /** The per-event memo slots of everything this compiler compiled (macros, fields). */
    public SlotSpace slots() {
        return slots;
    }

    public Set<String> usedMacros() {
        return usedMacros;
    }

    public Set<String> usedLists() {
        return usedLists;
    }

    /** Items of the lists and literals, with list names expanded (bare words only, as Falco). */
    public List<String> expand(List<Ast.Literal> items) {
        List<String> out = new ArrayList<>();
        for (Ast.Literal l : items) {
            List<String> named = l.quoted() ? null : lists.get(l.text());
            if (named != null) {
                usedLists.add(l.text());
                out.addAll(named);
            } else {
                out.add(l.text());
            }
        }
        return out;
    }

    private Node node(Ast a, Origin o, List<Issue> issues) {
        if (a instanceof Ast.And and) {
            List<Pred> preds = new ArrayList<>();
            TypeSet t = TypeSet.ALL;
            TypeSet f = TypeSet.NONE;
            boolean broken = false;
            for (Ast term : and.terms()) {
                Node n = node(term, o, issues);
                broken |= n.pred == null;
                preds.add(n.pred);
                t = t.intersect(n.t);
                f = f.union(n.f);
            }
            return new Node(broken ? null : new Preds.And(preds.toArray(new Pred[0])), t, f);
        }
        if (a instanceof Ast.Or or) {
            List<Pred> preds = new ArrayList<>();
            TypeSet t = TypeSet.NONE;
            TypeSet f = TypeSet.ALL;
            boolean broken = false;
            for (Ast term : or.terms()) {
                Node n = node(term, o, issues);
                broken |= n.pred == null;
                preds.add(n.pred);
                t = t.union(n.t);
                f = f.intersect(n.f);
            }
            return new Node(broken ? null : new Preds.Or(preds.toArray(new Pred[0])), t, f);
        }
        if (a instanceof Ast.Not not) {
            Node n = node(not.term(), o, issues);
            return new Node(n.pred == null ? null : new Preds.Not(n.pred), n.f, n.t);
        }
        if (a instanceof Ast.Scoped s) {
            return node(s.inner(), s.origin(), issues);
        }
        if (a instanceof Ast.MacroRef m) {
            return macro(m, o, issues);
        }
        return check((Ast.Check) a, o, issues);
    }

    private Node macro(Ast.MacroRef m, Origin o, List<Issue> issues) {
        MacroDef def = macros.get(m.name());
        if (def == null) {
            issues.add(new Issue(Issue.Kind.ERROR, o.at(m.pos()), null, "undefined macro '" + m.name() + "'"));
            return BROKEN;
        }
        usedMacros.add(m.name());
        MacroResult cached = macroCache.get(m.name());
        if (cached != null) {
            issues.addAll(cached.issues);
            return cached.node;
        }
        if (def.error() != null) {
            issues.add(new Issue(Issue.Kind.ERROR, o.at(m.pos()), null, "macro '" + m.name() + "' has an error: " + def.error()));
            return BROKEN;
        }
        if (!expanding.add(m.name())) {
            issues.add(new Issue(Issue.Kind.ERROR, o.at(m.pos()), null,
                    "macro '" + m.name() + "' refers to itself: " + String.join(" -> ", expanding) + " -> " + m.name()));
            return BROKEN;
        }
        List<Issue> own = new ArrayList<>();
        Node n = node(def.ast(), def.origin(), own);
        expanding.remove(m.name());
        List<Issue> distinct = List.copyOf(new LinkedHashSet<>(own));
        if (n.pred != null && !(n.pred instanceof Preds.TypeCheck) && !(n.pred instanceof Preds.Memo)) {
            n = new Node(new Preds.Memo(n.pred, slots, slots.newMemo()), n.t, n.f);
        }
        macroCache.put(m.name(), new MacroResult(n, distinct));
        issues.addAll(distinct);
        return n;
    }

    /** An {@code evt.arg.NAME} (or {@code evt.rawarg.NAME}, {@code evt.arg[NAME]}) a condition uses, where it is written. */
    public record ArgRef(String field, String arg, Origin.Position position) {}

    /** Every argument name the condition uses by name, macros expanded (each where its text is: a macro's in the macro). */
    public List<ArgRef> argRefs(Ast ast, Origin origin) {
        List<ArgRef> out = new ArrayList<>();
        argRefs(ast, origin, out, new HashSet<>());
        return out;
    }

    private void argRefs(Ast a, Origin o, List<ArgRef> out, Set<String> seen) {
        if (a instanceof Ast.And and) {
            and.terms().forEach(t -> argRefs(t, o, out, seen));
        } else if (a instanceof Ast.Or or) {
            or.terms().forEach(t -> argRefs(t, o, out, seen));
        } else if (a instanceof Ast.Not not) {
            argRefs(not.term(), o, out, seen);
        } else if (a instanceof Ast.Scoped s) {
            argRefs(s.inner(), s.origin(), out, seen);
        } else if (a instanceof Ast.MacroRef m) {
            MacroDef def = macros.get(m.name());
            if (def != null && def.ast() != null && seen.add(m.name())) {
                argRefs(def.ast(), def.origin(), out, seen);
            }
        } else if (a instanceof Ast.Check c) {
            argRef(c.field(), o, out);
            if (c.value() instanceof Ast.FieldValue fv) {
                argRef(fv.field(), o, out);
            }
        }
    }

    private static void argRef(Ast.FieldExpr fe, Origin o, List<ArgRef> out) {
        String n = fe.name();
        for (String prefix : new String[]{"evt.arg.", "evt.rawarg."}) {
            if (n.startsWith(prefix) && n.length() > prefix.length()) {
                out.add(new ArgRef(n, n.substring(prefix.length()), o.at(fe.pos())));
                return;
            }
        }
        if (n.equals("evt.arg") && fe.arg() != null && !fe.arg().isEmpty() && !fe.arg().chars().allMatch(Character::isDigit)) {
            out.add(new ArgRef(n + "[" + fe.arg() + "]", fe.arg(), o.at(fe.pos())));
        }
    }

    /** A resolved (and transformed) field. */
    public record FieldRef(Extractor extractor, FieldType type, String display) {}

    /** Resolves a field for a condition; reports problems in {@code issues} and returns null. */
    public FieldRef field(Ast.FieldExpr fe, Origin o, List<Issue> issues) {
        return field(fe, o, issues, true);
    }

    /**
     * Resolves a field for an output: the per-event memo slot of a condition that uses the same field when
     * there is one, else the plain extractor. Outputs are rendered only for matches, so they get no slot of
     * their own: every slot costs every event a little (the view's value array is sized by the slots).
     */
    public FieldRef outputField(Ast.FieldExpr fe, Origin o, List<Issue> issues) {
        return field(fe, o, issues, false);
    }

    private FieldRef field(Ast.FieldExpr fe, Origin o, List<Issue> issues, boolean slot) {
        FieldRegistry.Resolved r;
        try {
            r = registry.resolve(fe.name(), fe.arg());
        } catch (IllegalArgumentException e) {
            issues.add(new Issue(Issue.Kind.ERROR, o.at(fe.pos()), fe.name(), e.getMessage()));
            return null;
        }
        if (r == null) {
            issues.add(new Issue(Issue.Kind.UNSUPPORTED, o.at(fe.pos()), fe.name(),
                    "field '" + fe.name() + "' is not supported by Bulwark (see docs/fields.md)"));
            return null;
        }
        Extractor ex = r.extractor();
        FieldType type = r.type();
        List<String> tr = fe.transformers();
        for (int k = tr.size() - 1; k >= 0; k--) {
            String name = tr.get(k);
            if (type == FieldType.NUMBER || type == FieldType.BOOL || type == FieldType.IPADDR || type == FieldType.IPNET) {
                issues.add(new Issue(Issue.Kind.ERROR, o.at(fe.pos()), fe.name(),
                        "transformer " + name + "() does not apply to " + type.doc() + " field '" + fe.name() + "'"));
                return null;
            }
            ex = transform(name, ex);
            if (name.equals("len")) {
                type = FieldType.NUMBER;
            } else if (type == FieldType.DYNAMIC) {
                type = FieldType.STRING;
            }
        }
        String key = fe.name() + (fe.arg() == null ? "" : "[" + fe.arg() + "]") + " " + tr;
        Extractor shared = cachedFields.get(key);
        if (shared == null) {
            if (!slot) {
                return new FieldRef(ex, type, fe.display());
            }
            shared = new SlotSpace.CachedField(ex, slots, slots.newValue(fe.name()));
            cachedFields.put(key, shared);
        }
        return new FieldRef(shared, type, fe.display());
    }

    private static Extractor transform(String name, Extractor inner) {
        return switch (name) {
            case "tolower" -> mapText(inner, s -> s.toLowerCase(Locale.ROOT));
            case "toupper" -> mapText(inner, s -> s.toUpperCase(Locale.ROOT));
            case "basename" -> mapText(inner, s -> s.substring(s.lastIndexOf('/') + 1));
            case "b64" -> mapText(inner, s -> {
                try {
                    return new String(Base64.getDecoder().decode(s.trim()), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    return null;
                }
            });
            case "len" -> ev -> {
                Object v = inner.get(ev);
                if (Values.absent(v)) {
                    return v;
                }
                return v instanceof List<?> l ? (long) l.size() : (Object) (long) Values.text(v).length();
            };
            default -> throw new IllegalStateException("unknown transformer " + name);
        };
    }

    private static Extractor mapText(Extractor inner, UnaryOperator<String> f) {
        return ev -> {
            Object v = inner.get(ev);
            if (Values.absent(v)) {
                return v;
            }
            if (v instanceof List<?> l) {
                List<String> out = new ArrayList<>(l.size());
                for (Object x : l) {
                    String s = f.apply(Values.text(x));
                    if (s != null) {
                        out.add(s);
                    }
                }
                return out;
            }
            return f.apply(Values.text(v));
        };
    }

    /**
     * One node per distinct test ({@code fd.name pmatch (bw_host_mount_points)} in two rules is one node): the
     * dear ones (regex, glob, pmatch, contains, numbers, val()) with a memo slot, so that they run once per event
     * whichever rules ask. Keyed by field, operator and value with lists expanded; a test with problems is not
     * shared, so each use reports them at its own position.
     */
    private Node check(Ast.Check c, Origin o, List<Issue> issues) {
        String key = leafKey(c);
        Node seen = leaves.get(key);
        if (seen != null) {
            if (c.value() instanceof Ast.ListValue lv) {
                expand(lv.items()); // records the lists it names as used
            }
            return seen;
        }
        Node n = compileCheck(c, o, issues);
        if (n.pred != null) {
            if (n.pred instanceof Preds.Regex || n.pred instanceof Preds.Check || n.pred instanceof Preds.FieldCompare) {
                n = new Node(new Preds.Memo(n.pred, slots, slots.newMemo()), n.t, n.f);
            }
            leaves.put(key, n);
        }
        return n;
    }

    private String leafKey(Ast.Check c) {
        StringBuilder k = new StringBuilder(c.field().display()).append('\0').append(c.op()).append('\0');
        if (c.value() instanceof Ast.Literal l) {
            k.append('L').append(l.text());
        } else if (c.value() instanceof Ast.ListValue lv) {
            k.append('[');
            for (String item : expandQuietly(lv.items())) {
                k.append(item).append('\0');
            }
        } else if (c.value() instanceof Ast.FieldValue fv) {
            k.append('F').append(fv.field().display());
        }
        return k.toString();
    }

    /** {@link #expand} without recording the lists as used (the compilation that follows records them). */
    private List<String> expandQuietly(List<Ast.Literal> items) {
        List<String> out = new ArrayList<>();
        for (Ast.Literal l : items) {
            List<String> named = l.quoted() ? null : lists.get(l.text());
            if (named != null) {
                out.addAll(named);
            } else {
                out.add(l.text());
            }
        }
        return out;
    }

    private Node compileCheck(Ast.Check c, Origin o, List<Issue> issues) {
        FieldRef left = field(c.field(), o, issues);
        if (left == null) {
            return BROKEN;
        }
        String op = c.op();
        boolean isType = c.field().name().equals("evt.type") && c.field().arg() == null && c.field().transformers().isEmpty();
        boolean each = left.type() == FieldType.ANCESTORS;
        try {
            if (op.equals("exists")) {
                return new Node(new Preds.Exists(left.extractor()), TypeSet.ALL, TypeSet.ALL);
            }
            if (c.value() instanceof Ast.FieldValue fv) {
                FieldRef right = field(fv.field(), o, issues);
                if (right == null) {
                    return BROKEN;
                }
                if (!Operators.FIELD_COMPARE.contains(op)) {
                    throw new IllegalArgumentException("operator '" + op + "' cannot compare with val(" + right.display() + ")");
                }
                return new Node(new Preds.FieldCompare(left.extractor(), right.extractor(), op), TypeSet.ALL, TypeSet.ALL);
            }
            if (c.value() instanceof Ast.ListValue lv) {
                List<String> items = expand(lv.items());
                Preds.ValueTest t = listTest(op, left, items);
                Pred p = isType ? new Preds.TypeCheck(t) : new Preds.Check(left.extractor(), t, each);
                if (!isType && !each && op.equals("in") && textual(left.type())) {
                    p = new Preds.TextIn(left.extractor(), new HashSet<>(items));
                }
                Node n = new Node(p, TypeSet.ALL, TypeSet.ALL);
                if (isType && !op.equals("pmatch")) {
                    Set<String> s = new HashSet<>(items);
                    return new Node(n.pred, TypeSet.of(s), TypeSet.allBut(s));
                }
                return n;
            }
            String rhs = ((Ast.Literal) c.value()).text();
            Preds.ValueTest t = valueTest(op, left, rhs);
            Pred p = isType ? new Preds.TypeCheck(t) : each ? new Preds.Check(left.extractor(), t, true) : leaf(left, op, rhs, t);
            if (isType && op.equals("=")) {
                return new Node(p, TypeSet.of(Set.of(rhs)), TypeSet.allBut(Set.of(rhs)));
            }
            if (isType && op.equals("!=")) {
                return new Node(p, TypeSet.allBut(Set.of(rhs)), TypeSet.of(Set.of(rhs)));
            }
            return new Node(p, TypeSet.ALL, TypeSet.ALL);
        } catch (PatternSyntaxException e) {
            issues.add(new Issue(Issue.Kind.ERROR, o.at(c.value().pos()), c.field().name(),
                    "bad regular expression: " + e.getDescription()));
            return BROKEN;
        } catch (IllegalArgumentException e) {
            issues.add(new Issue(Issue.Kind.ERROR, o.at(c.value() == null ? c.pos() : c.value().pos()), c.field().name(), e.getMessage()));
            return BROKEN;
        }
    }

    /** Types whose {@code in} is the plain text set test ({@link Preds#inSet}). */
    private static boolean textual(FieldType t) {
        return !(t == FieldType.NUMBER || t == FieldType.IPADDR || t == FieldType.IPNET || t == FieldType.BOOL);
    }

    /** A specialised node for the common single-value tests; the generic check (same semantics) otherwise. */
    private static Pred leaf(FieldRef f, String op, String rhs, Preds.ValueTest generic) {
        Extractor ex = f.extractor();
        FieldType type = f.type();
        boolean text = switch (type) {
            case NUMBER -> !Operators.COMPARISONS.contains(op);
            case BOOL -> false;
            case IPADDR, IPNET -> !op.equals("=") && !op.equals("!=");
            case DYNAMIC -> Values.parseLong(rhs) == null
                    || !(op.equals("=") || op.equals("!=") || op.startsWith("<") || op.startsWith(">"));
            default -> true;
        };
        if (text) {
            switch (op) {
                case "=":
                    return new Preds.TextEq(ex, rhs, false);
                case "!=":
                    return new Preds.TextEq(ex, rhs, true);
                case "startswith":
                    return new Preds.TextStartsWith(ex, rhs);
                case "regex":
                    return new Preds.Regex(ex, rhs);
                default:
                    break;
            }
        }
        if (type == FieldType.BOOL && (op.equals("=") || op.equals("!="))) {
            return new Preds.BoolEq(ex, bool(f, rhs), op.equals("!="));
        }
        return new Preds.Check(ex, generic, false);
    }

    private static Preds.ValueTest listTest(String op, FieldRef f, List<String> items) {
        if (op.equals("pmatch")) {
            return Preds.pmatch(items);
        }
        switch (f.type()) {
            case NUMBER -> {
                Set<Long> nums = new HashSet<>();
                for (String s : items) {
                    nums.add(number(f, s));
                }
                return Preds.inNumbers(nums);
            }
            case IPADDR, IPNET -> {
                return Preds.ipTest(op, nets(f, items));
            }
            case BOOL -> {
                Set<String> b = new HashSet<>();
                for (String s : items) {
                    b.add(String.valueOf(bool(f, s)));
                }
                return Preds.inSet(b);
            }
            default -> {
                Set<String> set = new HashSet<>(items);
                return op.equals("in") ? Preds.inSet(set) : Preds.intersectsSet(set);
            }
        }
    }

    private static Preds.ValueTest valueTest(String op, FieldRef f, String rhs) {
        boolean ordering = Operators.COMPARISONS.contains(op);
        return switch (f.type()) {
            case NUMBER -> ordering ? Preds.numberTest(op, number(f, rhs)) : Preds.stringTest(op, rhs);
            case BOOL -> {
                if (!op.equals("=") && !op.equals("!=")) {
                    throw new IllegalArgumentException("operator '" + op + "' does not apply to bool field '" + f.display() + "'");
                }
                yield Preds.boolTest(op, bool(f, rhs));
            }
            case IPADDR, IPNET -> op.equals("=") || op.equals("!=") ? Preds.ipTest(op, nets(f, List.of(rhs))) : Preds.stringTest(op, rhs);
            case DYNAMIC -> Preds.dynamicTest(op, rhs);
            default -> Preds.stringTest(op, rhs);
        };
    }

    private static long number(FieldRef f, String s) {
        Long n = Values.parseLong(s);
        if (n == null) {
            throw new IllegalArgumentException("'" + s + "' is not a number, and field '" + f.display() + "' is a number");
        }
        return n;
    }

    private static boolean bool(FieldRef f, String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw new IllegalArgumentException("'" + s + "' is not true or false, and field '" + f.display() + "' is a bool");
        };
    }

    private static List<IpAddr.Net> nets(FieldRef f, List<String> items) {
        List<IpAddr.Net> out = new ArrayList<>();
        for (String s : items) {
            IpAddr.Net n = IpAddr.Net.parse(s);
            if (n == null) {
                throw new IllegalArgumentException("'" + s + "' is not an IP address or network, and field '" + f.display()
                        + "' is an address");
            }
            out.add(n);
        }
        return out;
    }
}
