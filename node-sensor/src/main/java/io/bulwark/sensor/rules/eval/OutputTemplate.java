package io.bulwark.sensor.rules.eval;

import io.bulwark.sensor.rules.condition.Ast;
import io.bulwark.sensor.rules.condition.Origin;
import io.bulwark.sensor.rules.fields.EventView;
import io.bulwark.sensor.rules.fields.Extractor;
import io.bulwark.sensor.rules.fields.Values;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A rule's output with {@code %field} references resolved; renders text and Falco's output_fields. */
public final class OutputTemplate {
    private final String[] literals;
    private final Extractor[] fields;
    private final String[] names;
    /** Initial capacity of the rendered text: the literals plus a typical value per field (fewer copies as it grows). */
    private final int sizeHint;

    private OutputTemplate(String[] literals, Extractor[] fields, String[] names) {
        this.literals = literals;
        this.fields = fields;
        this.names = names;
        int n = 24 * fields.length;
        for (String l : literals) {
            n += l.length();
        }
        this.sizeHint = n;
    }

    /**
     * Parses {@code text}: {@code %name.with.dots} optionally followed by {@code [arg]}. A '%' not followed by
     * a dotted name stays as it is.
     */
    public static OutputTemplate compile(String text, ConditionCompiler compiler, Origin origin,
                                         List<ConditionCompiler.Issue> issues) {
        List<String> lits = new ArrayList<>();
        List<Extractor> exs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '%') {
                lit.append(c);
                i++;
                continue;
            }
            int start = i + 1;
            int k = start;
            while (k < text.length() && (Character.isLetterOrDigit(text.charAt(k)) || text.charAt(k) == '_' || text.charAt(k) == '.')) {
                k++;
            }
            while (k > start && text.charAt(k - 1) == '.') {
                k--;
            }
            String name = text.substring(start, k);
            if (name.indexOf('.') <= 0) {
                lit.append(c);
                i++;
                continue;
            }
            String arg = null;
            int end = k;
            if (k < text.length() && text.charAt(k) == '[') {
                int close = text.indexOf(']', k);
                if (close > 0) {
                    arg = text.substring(k + 1, close);
                    end = close + 1;
                }
            }
            Ast.FieldExpr fe = new Ast.FieldExpr(name, arg, List.of(), i);
            ConditionCompiler.FieldRef ref = compiler.outputField(fe, origin, issues);
            lits.add(lit.toString());
            lit.setLength(0);
            exs.add(ref == null ? ev -> Values.UNKNOWN : ref.extractor());
            names.add(fe.display());
            i = end;
        }
        lits.add(lit.toString());
        return new OutputTemplate(lits.toArray(new String[0]), exs.toArray(new Extractor[0]), names.toArray(new String[0]));
    }

    /** The field names the output uses, as written ({@code proc.aname[2]}). */
    public List<String> fieldNames() {
        return List.of(names);
    }

    /** How many {@code %field} references the output has (with repeats). */
    public int fieldCount() {
        return fields.length;
    }

    /** Renders the text; fields without a value print {@code <NA>} as in Falco. Fills {@code fieldsOut} when not null. */
    public String render(EventView ev, Map<String, Object> fieldsOut) {
        StringBuilder b = new StringBuilder(sizeHint);
        for (int k = 0; k < fields.length; k++) {
            b.append(literals[k]);
            Object v = fields[k].get(ev);
            b.append(Values.absent(v) ? Values.NA : Values.text(v));
            if (fieldsOut != null) {
                fieldsOut.put(names[k], Values.json(v));
            }
        }
        b.append(literals[fields.length]);
        return b.toString();
    }

    public Map<String, Object> fields(EventView ev) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int k = 0; k < fields.length; k++) {
            m.put(names[k], Values.json(fields[k].get(ev)));
        }
        return m;
    }
}
