package io.bulwark.sensor.rules.eval;

import io.bulwark.sensor.rules.fields.EventView;

/**
 * The plans of one event type as generated code ({@link Codegen}): {@code test(i, ev)} gives exactly what
 * {@code plans[i].test(ev)} gives, with each test, field read and macro of those plans at a call site of its
 * own, so that the JIT inlines them (the node tree's walk goes through a few megamorphic call sites shared by
 * every rule).
 */
public abstract class PlanCode {
    protected PlanCode() {}

    /** The result of plan {@code plan} (its index in the array it was generated from) for {@code ev}. */
    public abstract int test(int plan, EventView ev);

    /**
     * The dispatch ({@link Dispatch#match}) as generated code: stores the index of every plan that is TRUE for
     * {@code ev} in {@code out} (room for every plan), in no particular order, and returns how many there are.
     */
    public abstract int match(EventView ev, int[] out);
}
