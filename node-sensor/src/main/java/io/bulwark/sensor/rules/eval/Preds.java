package io.bulwark.sensor.rules.eval;

import io.bulwark.sensor.rules.condition.Operators;
import io.bulwark.sensor.rules.fields.EventView;
import io.bulwark.sensor.rules.fields.Extractor;
import io.bulwark.sensor.rules.fields.IpAddr;
import io.bulwark.sensor.rules.fields.Values;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** The predicate nodes conditions compile to. */
final class Preds {
    private Preds() {}

    /** A test on one present value (never null or unknown). */
    @FunctionalInterface
    interface ValueTest {
        boolean test(Object v);
    }

    static final class And extends Pred {
        private final Pred[] terms;

        And(Pred[] terms) {
            this.terms = terms;
        }

        Pred[] terms() {
            return terms;
        }

        @Override
        public int test(EventView ev) {
            int r = TRUE;
            for (Pred p : terms) {
                int x = p.test(ev);
                if (x == FALSE) {
                    return FALSE;
                }
                if (x == UNKNOWN) {
                    r = UNKNOWN;
                }
            }
            return r;
        }
    }

    static final class Or extends Pred {
        private final Pred[] terms;

        Or(Pred[] terms) {
            this.terms = terms;
        }

        Pred[] terms() {
            return terms;
        }

        @Override
        public int test(EventView ev) {
            int r = FALSE;
            for (Pred p : terms) {
                int x = p.test(ev);
                if (x == TRUE) {
                    return TRUE;
                }
                if (x == UNKNOWN) {
                    r = UNKNOWN;
                }
            }
            return r;
        }
    }

    static final class Not extends Pred {
        private final Pred term;

        Not(Pred term) {
            this.term = term;
        }

        Pred term() {
            return term;
        }

        @Override
        public int test(EventView ev) {
            int x = term.test(ev);
            return x == UNKNOWN ? UNKNOWN : 1 - x;
        }
    }

    /** Extract, then test. Absent is FALSE, unknown is UNKNOWN; {@code each} tests list elements (any). */
    static final class Check extends Pred {
        private final Extractor ex;
        private final ValueTest t;
        private final boolean each;

        Check(Extractor ex, ValueTest t, boolean each) {
            this.ex = ex;
            this.t = t;
            this.each = each;
        }

        Extractor field() {
            return ex;
        }

        @Override
        public int test(EventView ev) {
            return on(ex.get(ev));
        }

        ValueTest valueTest() {
            return t;
        }

        /** The result for the field's value {@code v} (generated code extracts it at a call site of its own). */
        int on(Object v) {
            int r = pre(v);
            return r >= 0 ? r : t.test(v) ? TRUE : FALSE;
        }

        /**
         * The result for {@code v} when it does not come down to {@code t.test(v)} (absent, unknown, a list tested
         * element by element), else -1: generated code then calls the value test at a call site of its own.
         */
        int pre(Object v) {
            if (v == null) {
                return FALSE;
            }
            if (v == Values.UNKNOWN) {
                return UNKNOWN;
            }
            if (each && v instanceof List<?> l) {
                for (Object o : l) {
                    if (o != null && t.test(o)) {
                        return TRUE;
                    }
                }
                return FALSE;
            }
            return -1;
        }
    }

    static final class Exists extends Pred {
        private final Extractor ex;

        Exists(Extractor ex) {
            this.ex = ex;
        }

        Extractor field() {
            return ex;
        }

        @Override
        public int test(EventView ev) {
            return on(ex.get(ev));
        }

        int on(Object v) {
            return v == null ? FALSE : v == Values.UNKNOWN ? UNKNOWN : TRUE;
        }
    }

    /** {@code field op val(other)}. */
    static final class FieldCompare extends Pred {
        private static final List<String> OPS = Operators.FIELD_COMPARE;
        private final Extractor left;
        private final Extractor right;
        /** Index of the operator in {@link #OPS}: the first six order, the rest are text tests. */
        private final int op;

        FieldCompare(Extractor left, Extractor right, String op) {
            this.left = left;
            this.right = right;
            this.op = OPS.indexOf(op);
        }

        Extractor left() {
            return left;
        }

        Extractor right() {
            return right;
        }

        @Override
        public int test(EventView ev) {
            return on(left.get(ev), right.get(ev));
        }

        int on(Object a, Object b) {
            if (a == null || b == null) {
                return FALSE;
            }
            if (a == Values.UNKNOWN || b == Values.UNKNOWN) {
                return UNKNOWN;
            }
            boolean r;
            if (op < 0) {
                r = false;
            } else if (op < 6) {
                int c;
                if ((a instanceof Number || a instanceof Boolean) && (b instanceof Number || b instanceof Boolean)) {
                    // both numeric: compared as numbers, no text needed (Values.number is never null for these)
                    c = Long.compare(Values.number(a), Values.number(b));
                } else {
                    c = Values.text(a).compareTo(Values.text(b));
                }
                r = switch (op) {
                    case 0 -> c == 0;
                    case 1 -> c != 0;
                    case 2 -> c < 0;
                    case 3 -> c <= 0;
                    case 4 -> c > 0;
                    default -> c >= 0;
                };
            } else {
                String sa = Values.text(a);
                String sb = Values.text(b);
                r = switch (op) {
                    case 6 -> sa.contains(sb);
                    case 7 -> sa.toLowerCase(Locale.ROOT).contains(sb.toLowerCase(Locale.ROOT));
                    case 8 -> sa.startsWith(sb);
                    case 9 -> sa.endsWith(sb);
                    default -> false;
                };
            }
            return r ? TRUE : FALSE;
        }
    }

    /** A result known at compile time (after specialising for an event type). */
    static final class Const extends Pred {
        static final Const TRUE_ = new Const(TRUE);
        static final Const FALSE_ = new Const(FALSE);
        static final Const UNKNOWN_ = new Const(UNKNOWN);

        final int value;

        private Const(int value) {
            this.value = value;
        }

        static Const of(int v) {
            return v == TRUE ? TRUE_ : v == FALSE ? FALSE_ : UNKNOWN_;
        }

        @Override
        public int test(EventView ev) {
            return value;
        }
    }

    /** A macro's result, computed once per event (per {@link SlotSpace}) and reused by every rule. */
    static final class Memo extends Pred {
        final Pred inner;
        final SlotSpace owner;
        final int slot;

        Memo(Pred inner, SlotSpace owner, int slot) {
            this.inner = inner;
            this.owner = owner;
            this.slot = slot;
        }

        /** For generated code ({@link Codegen}): the remembered result, or -1 when there is none yet. */
        static int lookup(EventView ev, SlotSpace owner, int slot) {
            return ev.slotOwner() != owner ? -1 : ev.memo()[slot] - 1;
        }

        /** For generated code: remembers {@code r}, just computed, when the view has this space's slots; returns it. */
        static int store(EventView ev, SlotSpace owner, int slot, int r) {
            if (ev.slotOwner() == owner) {
                ev.memo()[slot] = (byte) (r + 1);
            }
            return r;
        }

        @Override
        public int test(EventView ev) {
            if (ev.slotOwner() != owner) {
                return inner.test(ev);
            }
            byte[] m = ev.memo();
            int b = m[slot];
            if (b != 0) {
                return b - 1;
            }
            int r = inner.test(ev);
            m[slot] = (byte) (r + 1);
            return r;
        }
    }

    /** A test on {@code evt.type} (never absent or unknown): constant once the event type is known. */
    static final class TypeCheck extends Pred {
        final ValueTest t;

        TypeCheck(ValueTest t) {
            this.t = t;
        }

        int on(String type) {
            return t.test(type) ? TRUE : FALSE;
        }

        @Override
        public int test(EventView ev) {
            return t.test(ev.type()) ? TRUE : FALSE;
        }
    }

    /** {@code field = "text"} / {@code field != "text"} compared as text. */
    static final class TextEq extends Pred {
        private final Extractor ex;
        private final String rhs;
        private final int ifEqual;
        private final int ifNot;

        TextEq(Extractor ex, String rhs, boolean negate) {
            this.ex = ex;
            this.rhs = rhs;
            this.ifEqual = negate ? FALSE : TRUE;
            this.ifNot = negate ? TRUE : FALSE;
        }

        /** {@code !=}. */
        boolean negated() {
            return ifEqual == FALSE;
        }

        Extractor field() {
            return ex;
        }

        String text() {
            return rhs;
        }

        @Override
        public int test(EventView ev) {
            return on(ex.get(ev));
        }

        int on(Object v) {
            if (v == null) {
                return FALSE;
            }
            if (v == Values.UNKNOWN) {
                return UNKNOWN;
            }
            return rhs.equals(v instanceof String s ? s : Values.text(v)) ? ifEqual : ifNot;
        }
    }

    /** {@code field in (...)} on text: a scalar in the set, or a list with all its elements in it. */
    static final class TextIn extends Pred {
        private final Extractor ex;
        private final java.util.HashSet<String> set;

        TextIn(Extractor ex, Set<String> set) {
            this.ex = ex;
            this.set = new java.util.HashSet<>(set);
        }

        Extractor field() {
            return ex;
        }

        Set<String> keys() {
            return java.util.Collections.unmodifiableSet(set);
        }

        @Override
        public int test(EventView ev) {
            return on(ex.get(ev));
        }

        int on(Object v) {
            if (v == null) {
                return FALSE;
            }
            if (v == Values.UNKNOWN) {
                return UNKNOWN;
            }
            if (v instanceof String s) {
                return set.contains(s) ? TRUE : FALSE;
            }
            if (v instanceof List<?> l) {
                for (Object o : l) {
                    if (!set.contains(Values.text(o))) {
                        return FALSE;
                    }
                }
                return TRUE;
            }
            return set.contains(Values.text(v)) ? TRUE : FALSE;
        }
    }

    /** {@code field startswith "text"}. */
    static final class TextStartsWith extends Pred {
        private final Extractor ex;
        private final String rhs;

        TextStartsWith(Extractor ex, String rhs) {
            this.ex = ex;
            this.rhs = rhs;
        }

        Extractor field() {
            return ex;
        }

        @Override
        public int test(EventView ev) {
            return on(ex.get(ev));
        }

        int on(Object v) {
            if (v == null) {
                return FALSE;
            }
            if (v == Values.UNKNOWN) {
                return UNKNOWN;
            }
            return (v instanceof String s ? s : Values.text(v)).startsWith(rhs) ? TRUE : FALSE;
        }
    }

    /** {@code field regex "..."} (whole value), with the pattern's literal prefix checked first. */
    static final class Regex extends Pred {
        private final Extractor ex;
        private final Pattern pattern;
        private final String prefix;
        private final String[] required;

        Regex(Extractor ex, String regex) {
            this.ex = ex;
            this.pattern = Pattern.compile(regex);
            this.prefix = literalPrefix(regex);
            this.required = RegexLiterals.required(regex);
        }

        Extractor field() {
            return ex;
        }

        /** Whether {@code s} contains one of the literals every match contains (true when none is known). */
        private boolean mayMatch(String s) {
            if (required == null) {
                return true;
            }
            for (String r : required) {
                if (s.contains(r)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public int test(EventView ev) {
            return on(ex.get(ev));
        }

        int on(Object v) {
            if (v == null) {
                return FALSE;
            }
            if (v == Values.UNKNOWN) {
                return UNKNOWN;
            }
            String s = v instanceof String t ? t : Values.text(v);
            if (!s.startsWith(prefix) || !mayMatch(s)) {
                return FALSE;
            }
            return pattern.matcher(s).matches() ? TRUE : FALSE;
        }

        /**
         * The literal text every full match starts with: the leading plain characters (not the last one when a
         * quantifier follows it), and none when the pattern has an alternation outside any group.
         */
        static String literalPrefix(String re) {
            if (re.contains("\\Q")) {
                return "";
            }
            int depth = 0;
            boolean inClass = false;
            for (int i = 0; i < re.length(); i++) {
                char c = re.charAt(i);
                if (c == '\\') {
                    i++;
                } else if (inClass) {
                    if (c == ']') {
                        inClass = false;
                    }
                } else if (c == '[') {
                    inClass = true;
                    if (re.startsWith("[]", i) || re.startsWith("[^]", i) || re.startsWith("[[", i)) {
                        return "";
                    }
                } else if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    if (--depth < 0) {
                        return "";
                    }
                } else if (c == '|' && depth == 0) {
                    return "";
                }
            }
            int k = 0;
            while (k < re.length() && "\\[](){}.*+?^$|".indexOf(re.charAt(k)) < 0) {
                k++;
            }
            if (k < re.length() && "?*{+".indexOf(re.charAt(k)) >= 0) {
                k--;
            }
            return k <= 0 ? "" : re.substring(0, k);
        }
    }

    /** {@code field = true|false} / {@code !=} on a bool field. */
    static final class BoolEq extends Pred {
        private final Extractor ex;
        private final Boolean rhs;
        private final boolean negate;

        BoolEq(Extractor ex, boolean rhs, boolean negate) {
            this.ex = ex;
            this.rhs = rhs;
            this.negate = negate;
        }

        Extractor field() {
            return ex;
        }

        /** Whether the test is true for a true value ({@code = true}, {@code != false}). */
        boolean expectsTrue() {
            return rhs.booleanValue() != negate;
        }

        @Override
        public int test(EventView ev) {
            return on(ex.get(ev));
        }

        int on(Object v) {
            if (v == null) {
                return FALSE;
            }
            if (v == Values.UNKNOWN) {
                return UNKNOWN;
            }
            if (!(v instanceof Boolean b)) {
                return FALSE;
            }
            return (b.booleanValue() == rhs.booleanValue()) != negate ? TRUE : FALSE;
        }
    }

    // ------------------------------------------------------------------ value tests

    static ValueTest stringTest(String op, String rhs) {
        return switch (op) {
            case "=" -> v -> Values.text(v).equals(rhs);
            case "!=" -> v -> !Values.text(v).equals(rhs);
            case "<" -> v -> Values.text(v).compareTo(rhs) < 0;
            case "<=" -> v -> Values.text(v).compareTo(rhs) <= 0;
            case ">" -> v -> Values.text(v).compareTo(rhs) > 0;
            case ">=" -> v -> Values.text(v).compareTo(rhs) >= 0;
            case "contains" -> v -> Values.text(v).contains(rhs);
            case "icontains" -> {
                String lower = rhs.toLowerCase(Locale.ROOT);
                yield v -> containsIgnoreCase(Values.text(v), lower);
            }
            case "startswith" -> v -> Values.text(v).startsWith(rhs);
            case "endswith" -> v -> Values.text(v).endsWith(rhs);
            case "glob" -> {
                Glob g = Glob.compile(rhs, false);
                yield v -> g.matches(Values.text(v));
            }
            case "iglob" -> {
                Glob g = Glob.compile(rhs, true);
                yield v -> g.matches(Values.text(v));
            }
            case "regex" -> {
                Pattern p = Pattern.compile(rhs);
                yield v -> p.matcher(Values.text(v)).matches();
            }
            case "bcontains" -> {
                byte[] needle = hex(rhs);
                yield v -> indexOf(Values.text(v).getBytes(StandardCharsets.ISO_8859_1), needle) >= 0;
            }
            case "bstartswith" -> {
                byte[] needle = hex(rhs);
                yield v -> {
                    byte[] hay = Values.text(v).getBytes(StandardCharsets.ISO_8859_1);
                    return indexOf(hay, needle) == 0 && hay.length >= needle.length;
                };
            }
            default -> throw new IllegalArgumentException("operator '" + op + "' is not supported for text");
        };
    }

    /** ASCII case-insensitive substring search without allocating. */
    static boolean containsIgnoreCase(String hay, String lowerNeedle) {
        int n = lowerNeedle.length();
        int max = hay.length() - n;
        outer:
        for (int i = 0; i <= max; i++) {
            for (int k = 0; k < n; k++) {
                char c = hay.charAt(i + k);
                if (c != lowerNeedle.charAt(k) && Character.toLowerCase(c) != lowerNeedle.charAt(k)) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    static ValueTest numberTest(String op, long rhs) {
        return switch (op) {
            case "=" -> v -> eq(Values.number(v), rhs);
            case "!=" -> v -> {
                Long n = Values.number(v);
                return n != null && n != rhs;
            };
            case "<" -> v -> {
                Long n = Values.number(v);
                return n != null && n < rhs;
            };
            case "<=" -> v -> {
                Long n = Values.number(v);
                return n != null && n <= rhs;
            };
            case ">" -> v -> {
                Long n = Values.number(v);
                return n != null && n > rhs;
            };
            case ">=" -> v -> {
                Long n = Values.number(v);
                return n != null && n >= rhs;
            };
            default -> throw new IllegalArgumentException("operator '" + op + "' is not supported for numbers");
        };
    }

    private static boolean eq(Long n, long rhs) {
        return n != null && n == rhs;
    }

    /** Dynamic values (evt.arg.*): numbers compare as numbers when the operand is numeric, else as text. */
    static ValueTest dynamicTest(String op, String rhs) {
        Long num = Values.parseLong(rhs);
        ValueTest text = stringTest(op, rhs);
        if (num == null || !(op.equals("=") || op.equals("!=") || op.startsWith("<") || op.startsWith(">"))) {
            return text;
        }
        ValueTest number = numberTest(op, num);
        return v -> v instanceof Number ? number.test(v) : text.test(v);
    }

    static ValueTest boolTest(String op, boolean rhs) {
        return switch (op) {
            case "=" -> v -> v instanceof Boolean b && b == rhs;
            case "!=" -> v -> v instanceof Boolean b && b != rhs;
            default -> throw new IllegalArgumentException("operator '" + op + "' is not supported for booleans");
        };
    }

    static ValueTest ipTest(String op, List<IpAddr.Net> nets) {
        ValueTest any = v -> {
            byte[] a = IpAddr.parse(Values.text(v));
            if (a == null) {
                return false;
            }
            for (IpAddr.Net n : nets) {
                if (n.contains(a)) {
                    return true;
                }
            }
            return false;
        };
        return switch (op) {
            case "=", "in", "intersects" -> any;
            case "!=" -> v -> IpAddr.parse(Values.text(v)) != null && !any.test(v);
            default -> throw new IllegalArgumentException("operator '" + op + "' is not supported for addresses");
        };
    }

    /** {@code in}: a scalar is in the set; a list has all its elements in it. */
    static ValueTest inSet(Set<String> set) {
        return v -> {
            if (v instanceof List<?> l) {
                for (Object o : l) {
                    if (!set.contains(Values.text(o))) {
                        return false;
                    }
                }
                return true;
            }
            return set.contains(Values.text(v));
        };
    }

    /** {@code intersects}: a scalar is in the set; a list has one element in it. */
    static ValueTest intersectsSet(Set<String> set) {
        return v -> {
            if (v instanceof List<?> l) {
                for (Object o : l) {
                    if (set.contains(Values.text(o))) {
                        return true;
                    }
                }
                return false;
            }
            return set.contains(Values.text(v));
        };
    }

    static ValueTest inNumbers(Set<Long> set) {
        return v -> {
            Long n = Values.number(v);
            return n != null && set.contains(n);
        };
    }

    static ValueTest pmatch(List<String> paths) {
        PathPrefixes p = new PathPrefixes(paths);
        return v -> p.matches(Values.text(v));
    }

    private static byte[] hex(String s) {
        String h = s.replaceAll("\\s", "");
        if (h.length() % 2 != 0) {
            throw new IllegalArgumentException("'" + s + "' is not hex bytes (odd length)");
        }
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) {
            int hi = Character.digit(h.charAt(2 * i), 16);
            int lo = Character.digit(h.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("'" + s + "' is not hex bytes");
            }
            b[i] = (byte) (hi << 4 | lo);
        }
        return b;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (hay[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
