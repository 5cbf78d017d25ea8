package io.bulwark.sensor.rules.eval;

import io.bulwark.sensor.rules.fields.EventView;
import io.bulwark.sensor.rules.fields.Extractor;

/**
 * The per-event memo slots of one compilation (one {@link ConditionCompiler}): a slot per macro result and
 * per distinct field (with its argument and transformers). An {@link EventView} made for this space
 * ({@link #view}) remembers each macro's result and each field's value the first time a rule asks, so
 * later rules on the same event reuse them. Nodes from another space (or a view made without one) simply
 * evaluate: the memo never changes a result, only how often it is computed.
 */
public final class SlotSpace {
    private int memos;
    private int values;
    private final java.util.Set<String> fields = new java.util.TreeSet<>();

    int newMemo() {
        return memos++;
    }

    int newValue() {
        return values++;
    }

    /** A value slot for a condition field; the name is remembered ({@link #fields}). */
    int newValue(String field) {
        fields.add(field);
        return values++;
    }

    /** Every field a condition compiled in this space reads. */
    public java.util.Set<String> fields() {
        return java.util.Collections.unmodifiableSet(fields);
    }

    public int memos() {
        return memos;
    }

    public int values() {
        return values;
    }

    /** A view of {@code event} with this space's memo slots. */
    public EventView view(io.bulwark.contract.SensorEvent event, long num) {
        return new EventView(event, num, this, memos, values);
    }

    /** Marks "extracted, no value" in the value slots. */
    static final Object NO_VALUE = new Object();

    /** "Not remembered yet" ({@link CachedField#lookup}). */
    static final Object MISS = new Object();

    /** A field extractor whose value is remembered per event. */
    static final class CachedField implements Extractor {
        final Extractor inner;
        final SlotSpace owner;
        final int slot;

        CachedField(Extractor inner, SlotSpace owner, int slot) {
            this.inner = inner;
            this.owner = owner;
            this.slot = slot;
        }

        /** For generated code ({@link Codegen}): the remembered value ({@code null} for "no value"), or {@link #MISS}. */
        static Object lookup(EventView ev, SlotSpace owner, int slot) {
            if (ev.slotOwner() != owner) {
                return MISS;
            }
            Object v = ev.values()[slot];
            return v == null ? MISS : v == NO_VALUE ? null : v;
        }

        /** For generated code: remembers {@code v}, just extracted, when the view has this space's slots; returns it. */
        static Object store(EventView ev, SlotSpace owner, int slot, Object v) {
            if (ev.slotOwner() == owner) {
                ev.fill(slot, v == null ? NO_VALUE : v);
            }
            return v;
        }

        @Override
        public Object get(EventView ev) {
            if (ev.slotOwner() != owner) {
                return inner.get(ev);
            }
            Object[] vals = ev.values();
            Object v = vals[slot];
            if (v == null) {
                v = inner.get(ev);
                ev.fill(slot, v == null ? NO_VALUE : v);
                return v;
            }
            return v == NO_VALUE ? null : v;
        }
    }
}
