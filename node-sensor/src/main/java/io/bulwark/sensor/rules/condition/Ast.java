package io.bulwark.sensor.rules.condition;

import java.util.List;

/**
 * A parsed Falco condition. Every node keeps the offset (0-based, in characters) where it starts in
 * the condition text, so problems can be reported at file:line:col.
 */
public sealed interface Ast {

    int pos();

    record And(List<Ast> terms, int pos) implements Ast {}

    record Or(List<Ast> terms, int pos) implements Ast {}

    record Not(Ast term, int pos) implements Ast {}

    /** {@code inner}'s offsets are relative to {@code origin} (a macro body, a generated exception). */
    record Scoped(Ast inner, Origin origin, int pos) implements Ast {}

    /** A bare identifier without dots: a macro reference. */
    record MacroRef(String name, int pos) implements Ast {}

    /** {@code field op value}; {@code value} is null for the unary {@code exists}. */
    record Check(FieldExpr field, String op, Value value, int pos) implements Ast {}

    /**
     * A field with its optional argument ({@code proc.aname[2]}) and the transformers wrapped around it,
     * innermost last ({@code tolower(basename(fd.name))} gives {@code [tolower, basename]}).
     */
    record FieldExpr(String name, String arg, List<String> transformers, int pos) {
        /** The field as Falco spells it, with its argument: {@code proc.aname[2]}. */
        public String display() {
            String base = arg == null ? name : name + "[" + arg + "]";
            for (int i = transformers.size() - 1; i >= 0; i--) {
                base = transformers.get(i) + "(" + base + ")";
            }
            return base;
        }
    }

    /** Right-hand side of a comparison. */
    sealed interface Value {
        int pos();
    }

    /** A single value; {@code quoted} tells a bare word (which may name a list) from a string literal. */
    record Literal(String text, boolean quoted, int pos) implements Value {}

    record ListValue(List<Literal> items, int pos) implements Value {}

    /** {@code val(field)}: compare against another field of the same event. */
    record FieldValue(FieldExpr field, int pos) implements Value {}
}
