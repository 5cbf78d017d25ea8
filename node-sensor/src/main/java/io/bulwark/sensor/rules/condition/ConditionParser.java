package io.bulwark.sensor.rules.condition;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser for Falco's condition language.
 *
 * <pre>
 * expr    := and ('or' and)*
 * and     := not ('and' not)*
 * not     := 'not' not | primary
 * primary := '(' expr ')' | check | macro
 * check   := fieldexpr 'exists' | fieldexpr op value | fieldexpr listop '(' item (',' item)* ')'
 * field   := name('.'name)+ ('[' arg ']')? | transformer '(' fieldexpr ')'
 * value   := quoted | bare | 'val(' fieldexpr ')'
 * </pre>
 *
 * Names without a dot are macro references; names with a dot are fields (as Falco's lexer does).
 */
public final class ConditionParser {

    /** Transformers Falco applies to a field before comparing. */
    public static final Set<String> TRANSFORMERS = Set.of("tolower", "toupper", "b64", "basename", "len");

    private final String s;
    private int i;

    private ConditionParser(String s) {
        this.s = s;
    }

    public static Ast parse(String condition) throws ConditionSyntaxException {
        ConditionParser p = new ConditionParser(condition);
        p.ws();
        if (p.i >= p.s.length()) {
            throw new ConditionSyntaxException("empty condition", 0);
        }
        Ast a = p.or();
        p.ws();
        if (p.i < p.s.length()) {
            throw new ConditionSyntaxException("unexpected '" + p.snippet() + "' (expected 'and', 'or' or the end)", p.i);
        }
        return a;
    }

    /** Parses a lone field expression (as exceptions name them): {@code proc.name}, {@code tolower(fd.name)}. */
    public static Ast.FieldExpr parseField(String text) throws ConditionSyntaxException {
        ConditionParser p = new ConditionParser(text);
        p.ws();
        Ast.FieldExpr f = p.fieldExpr();
        if (f == null) {
            throw new ConditionSyntaxException("'" + text + "' is not a field name", 0);
        }
        p.ws();
        if (p.i < p.s.length()) {
            throw new ConditionSyntaxException("unexpected '" + p.snippet() + "' after field", p.i);
        }
        return f;
    }

    private Ast or() throws ConditionSyntaxException {
        int start = i;
        List<Ast> terms = new ArrayList<>();
        terms.add(and());
        while (keyword("or")) {
            terms.add(and());
        }
        return terms.size() == 1 ? terms.get(0) : new Ast.Or(List.copyOf(terms), start);
    }

    private Ast and() throws ConditionSyntaxException {
        ws();
        int start = i;
        List<Ast> terms = new ArrayList<>();
        terms.add(not());
        while (keyword("and")) {
            terms.add(not());
        }
        return terms.size() == 1 ? terms.get(0) : new Ast.And(List.copyOf(terms), start);
    }

    private Ast not() throws ConditionSyntaxException {
        ws();
        int start = i;
        if (keyword("not")) {
            return new Ast.Not(not(), start);
        }
        return primary();
    }

    private Ast primary() throws ConditionSyntaxException {
        ws();
        int start = i;
        if (i >= s.length()) {
            throw new ConditionSyntaxException("unexpected end of condition (expected a field, a macro or '(')", i);
        }
        if (s.charAt(i) == '(') {
            i++;
            Ast inner = or();
            ws();
            if (i >= s.length() || s.charAt(i) != ')') {
                throw new ConditionSyntaxException(i >= s.length()
                        ? "missing ')' to close the '('"
                        : "expected ')' but found '" + snippet() + "'", i);
            }
            i++;
            return inner;
        }
        int save = i;
        String word = ident();
        if (word.isEmpty()) {
            throw new ConditionSyntaxException("unexpected '" + snippet() + "' (expected a field, a macro or '(')", i);
        }
        if (word.indexOf('.') < 0 && !(TRANSFORMERS.contains(word) && peek() == '(')) {
            if (word.equals("and") || word.equals("or")) {
                throw new ConditionSyntaxException("'" + word + "' without a left-hand side", start);
            }
            return new Ast.MacroRef(word, start);
        }
        i = save;
        Ast.FieldExpr field = fieldExpr();
        return check(field, start);
    }

    private Ast check(Ast.FieldExpr field, int start) throws ConditionSyntaxException {
        ws();
        int opPos = i;
        String op = operator();
        if (op == null) {
            throw new ConditionSyntaxException("expected an operator after '" + field.display() + "' but found '"
                    + (i >= s.length() ? "the end" : snippet()) + "'", opPos);
        }
        if (op.equals("exists")) {
            return new Ast.Check(field, op, null, start);
        }
        ws();
        if (Operators.LISTS.contains(op)) {
            return new Ast.Check(field, op, list(op), start);
        }
        return new Ast.Check(field, op, value(op), start);
    }

    private Ast.Value list(String op) throws ConditionSyntaxException {
        int start = i;
        if (i >= s.length() || s.charAt(i) != '(') {
            throw new ConditionSyntaxException("'" + op + "' needs a list in parentheses, e.g. " + op + " (a, b)", i);
        }
        i++;
        List<Ast.Literal> items = new ArrayList<>();
        ws();
        if (peek() == ')') {
            i++;
            return new Ast.ListValue(List.of(), start);
        }
        while (true) {
            ws();
            items.add(literal("list item"));
            ws();
            char c = peek();
            if (c == ',') {
                i++;
            } else if (c == ')') {
                i++;
                return new Ast.ListValue(List.copyOf(items), start);
            } else {
                throw new ConditionSyntaxException(i >= s.length() ? "missing ')' to close the list"
                        : "expected ',' or ')' in list but found '" + snippet() + "'", i);
            }
        }
    }

    private Ast.Value value(String op) throws ConditionSyntaxException {
        int start = i;
        if (s.startsWith("val(", i)) {
            i += 4;
            ws();
            Ast.FieldExpr f = fieldExpr();
            if (f == null) {
                throw new ConditionSyntaxException("val() needs a field", i);
            }
            ws();
            expect(')');
            return new Ast.FieldValue(f, start);
        }
        return literal("value for '" + op + "'");
    }

    private Ast.Literal literal(String what) throws ConditionSyntaxException {
        int start = i;
        if (i >= s.length()) {
            throw new ConditionSyntaxException("missing " + what, i);
        }
        char c = s.charAt(i);
        if (c == '"' || c == '\'') {
            return new Ast.Literal(quoted(c), true, start);
        }
        while (i < s.length() && isBare(s.charAt(i))) {
            i++;
        }
        if (i == start) {
            throw new ConditionSyntaxException("missing " + what + " (found '" + snippet() + "')", i);
        }
        return new Ast.Literal(s.substring(start, i), false, start);
    }

    private String quoted(char q) throws ConditionSyntaxException {
        int start = i;
        i++;
        StringBuilder b = new StringBuilder();
        while (i < s.length()) {
            char c = s.charAt(i++);
            if (c == q) {
                return b.toString();
            }
            if (c == '\\' && i < s.length()) {
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    default -> b.append(e);
                }
            } else {
                b.append(c);
            }
        }
        throw new ConditionSyntaxException("unterminated string starting with " + q, start);
    }

    /** A field (possibly transformed) at the cursor, or null if there is no identifier. */
    private Ast.FieldExpr fieldExpr() throws ConditionSyntaxException {
        int start = i;
        String word = ident();
        if (word.isEmpty()) {
            return null;
        }
        if (TRANSFORMERS.contains(word) && peek() == '(') {
            i++;
            ws();
            Ast.FieldExpr inner = fieldExpr();
            if (inner == null) {
                throw new ConditionSyntaxException(word + "() needs a field", i);
            }
            ws();
            expect(')');
            List<String> tr = new ArrayList<>();
            tr.add(word);
            tr.addAll(inner.transformers());
            return new Ast.FieldExpr(inner.name(), inner.arg(), List.copyOf(tr), start);
        }
        if (word.indexOf('.') < 0 || word.endsWith(".") || word.startsWith(".")) {
            throw new ConditionSyntaxException("'" + word + "' is not a field name (fields look like proc.name)", start);
        }
        String arg = null;
        if (peek() == '[') {
            int close = s.indexOf(']', i);
            if (close < 0) {
                throw new ConditionSyntaxException("missing ']' after '" + word + "['", i);
            }
            arg = s.substring(i + 1, close);
            i = close + 1;
        }
        return new Ast.FieldExpr(word, arg, List.of(), start);
    }

    private String operator() {
        if (i >= s.length()) {
            return null;
        }
        for (String sym : Operators.SYMBOLS) {
            if (s.startsWith(sym, i)) {
                i += sym.length();
                return Operators.normal(sym);
            }
        }
        int save = i;
        String w = ident();
        if (w.equals("exists") || Operators.WORDS.contains(w) || Operators.LISTS.contains(w)) {
            return w;
        }
        i = save;
        return null;
    }

    private boolean keyword(String kw) {
        ws();
        if (s.startsWith(kw, i)) {
            int end = i + kw.length();
            if (end == s.length() || !isIdent(s.charAt(end))) {
                i = end;
                return true;
            }
        }
        return false;
    }

    private String ident() {
        int start = i;
        while (i < s.length() && isIdent(s.charAt(i))) {
            i++;
        }
        return s.substring(start, i);
    }

    private void expect(char c) throws ConditionSyntaxException {
        if (peek() != c) {
            throw new ConditionSyntaxException("expected '" + c + "' but found '" + (i >= s.length() ? "the end" : snippet()) + "'", i);
        }
        i++;
    }

    private char peek() {
        return i < s.length() ? s.charAt(i) : '\0';
    }

    private void ws() {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
    }

    private String snippet() {
        return s.substring(i, Math.min(s.length(), i + 20)).split("\\s", 2)[0];
    }

    private static boolean isIdent(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.';
    }

    /** Falco's bare-string characters: anything but blanks, parentheses, comma, quote and '='. */
    private static boolean isBare(char c) {
        return !Character.isWhitespace(c) && c != '(' && c != ')' && c != ',' && c != '"' && c != '\'' && c != '=';
    }
}
