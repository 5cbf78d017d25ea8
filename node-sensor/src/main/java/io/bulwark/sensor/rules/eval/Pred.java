package io.bulwark.sensor.rules.eval;

import io.bulwark.sensor.rules.fields.EventView;

/**
 * A compiled condition. Three-valued, as SQL and Kleene: {@link #TRUE}, {@link #FALSE}, or
 * {@link #UNKNOWN} when it depends on a value Bulwark's sensor does not collect. A rule fires only on TRUE.
 *
 * <p>An abstract class rather than an interface: the tree walk's calls on operands are megamorphic, and a
 * virtual call through the vtable is cheaper than an interface call through the itable.
 */
public abstract class Pred {
    public static final int FALSE = 0;
    public static final int TRUE = 1;
    public static final int UNKNOWN = 2;

    public abstract int test(EventView ev);
}
