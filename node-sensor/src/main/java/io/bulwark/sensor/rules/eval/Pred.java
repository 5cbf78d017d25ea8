package io.bulwark.sensor.rules.eval;

import io.bulwark.sensor.rules.fields.EventView;

/**
 * A compiled condition. Three-valued, as SQL and Kleene: {@link #TRUE}, {@link #FALSE}, or
 * {@link #UNKNOWN} when it depends on a value Bulwark's sensor does not collect. A rule fires only on TRUE.
 */
@FunctionalInterface
public interface Pred {
    int FALSE = 0;
    int TRUE = 1;
    int UNKNOWN = 2;

    int test(EventView ev);
}
