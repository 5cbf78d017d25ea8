package io.bulwark.sensor.rules.eval;

import io.bulwark.sensor.rules.condition.Ast;
import io.bulwark.sensor.rules.condition.Origin;
import io.bulwark.sensor.rules.fields.EventView;
import io.bulwark.sensor.rules.fields.Extractor;
import io.bulwark.sensor.rules.fields.Values;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A rule's output with {@code %field} references resolved; renders text and Falco's output_fields.
 *
 * <p>What a match carries is rendered in one pass ({@link #values}, {@link #text}, {@link #fields(Object[])}):
 * each distinct field name is read once, its value converted once to what output_fields holds, and the text
 * appended from those values (numbers without an intermediate string); output_fields is a read-only view of the
 * same array in the order the names first appear, no map built per match. {@link #render(EventView, Map)} is
 * the plain rendering (every reference read and formatted where it stands, fields put in a map one by one): the
 * reference the tests compare the one-pass rendering with; both give the same text and fields.
 */
public final class OutputTemplate {
    private final String[] literals;
    private final Extractor[] fields;
    private final String[] names;
    /** The distinct field names, in the order they first appear: output_fields' keys. */
    private final String[] keys;
    /** One extractor per key (the first reference's). */
    private final Extractor[] keyFields;
    /** For each reference, the index of its name in {@link #keys}. */
    private final int[] keyOf;
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
        List<String> ks = new ArrayList<>();
        List<Extractor> kf = new ArrayList<>();
        this.keyOf = new int[names.length];
        for (int k = 0; k < names.length; k++) {
            int i = ks.indexOf(names[k]);
            if (i < 0) {
                i = ks.size();
                ks.add(names[k]);
                kf.add(fields[k]);
            }
            keyOf[k] = i;
        }
        this.keys = ks.toArray(new String[0]);
        this.keyFields = kf.toArray(new Extractor[0]);
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

    /**
     * The plain rendering: each reference read and formatted where it stands; fields without a value print
     * {@code <NA>} as in Falco. Fills {@code fieldsOut} when not null. Same results as {@link #values} with
     * {@link #text} and {@link #fields(Object[])}, which a match uses.
     */
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

    /**
     * The value of each distinct field name for {@code ev}, as output_fields carries it ({@link Values#json}: null
     * when absent, numbers and booleans as they are, anything else as its text), in {@link #fields(Object[])} order.
     * Each name is read once however often the output repeats it.
     */
    public Object[] values(EventView ev) {
        Extractor[] kf = keyFields;
        Object[] out = new Object[kf.length];
        for (int i = 0; i < kf.length; i++) {
            out[i] = Values.json(kf[i].get(ev));
        }
        return out;
    }

    /** The text for {@code values} (from {@link #values}): what {@link #render} prints. */
    public String text(Object[] values) {
        String[] lits = literals;
        int[] at = keyOf;
        StringBuilder b = new StringBuilder(sizeHint);
        for (int k = 0; k < at.length; k++) {
            b.append(lits[k]);
            Object v = values[at[k]];
            // the text Values.text gives, without a string in between for numbers
            if (v instanceof String s) {
                b.append(s);
            } else if (v == null) {
                b.append(Values.NA);
            } else if (v instanceof Long l) {
                b.append(l.longValue());
            } else if (v instanceof Integer i) {
                b.append(i.intValue());
            } else if (v instanceof Boolean z) {
                b.append(z.booleanValue());
            } else {
                b.append(Values.text(v));
            }
        }
        b.append(lits[at.length]);
        return b.toString();
    }

    /** output_fields for {@code values} (from {@link #values}): a read-only map, keys in the order they first appear. */
    public Map<String, Object> fields(Object[] values) {
        return new Fields(keys, values);
    }

    /**
     * output_fields as a read-only map over the template's keys and one match's values: equal to (and iterating
     * like) the {@link LinkedHashMap} the plain rendering fills. A few keys: lookups scan them.
     */
    private static final class Fields extends AbstractMap<String, Object> {
        private final String[] keys;
        private final Object[] values;

        Fields(String[] keys, Object[] values) {
            this.keys = keys;
            this.values = values;
        }

        @Override
        public int size() {
            return keys.length;
        }

        private int indexOf(Object key) {
            for (int i = 0; i < keys.length; i++) {
                if (keys[i].equals(key)) {
                    return i;
                }
            }
            return -1;
        }

        @Override
        public boolean containsKey(Object key) {
            return indexOf(key) >= 0;
        }

        @Override
        public Object get(Object key) {
            int i = indexOf(key);
            return i < 0 ? null : values[i];
        }

        @Override
        public void forEach(BiConsumer<? super String, ? super Object> action) {
            for (int i = 0; i < keys.length; i++) {
                action.accept(keys[i], values[i]);
            }
        }

        @Override
        public Set<Map.Entry<String, Object>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public int size() {
                    return keys.length;
                }

                @Override
                public Iterator<Map.Entry<String, Object>> iterator() {
                    return new Iterator<>() {
                        private int i;

                        @Override
                        public boolean hasNext() {
                            return i < keys.length;
                        }

                        @Override
                        public Map.Entry<String, Object> next() {
                            if (i >= keys.length) {
                                throw new NoSuchElementException();
                            }
                            int k = i++;
                            return new AbstractMap.SimpleImmutableEntry<>(keys[k], values[k]);
                        }
                    };
                }
            };
        }
    }
}
