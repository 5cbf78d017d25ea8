package io.bulwark.sensor.rules;

import io.bulwark.contract.Priority;
import io.bulwark.sensor.rules.eval.OutputTemplate;
import io.bulwark.sensor.rules.eval.Pred;
import io.bulwark.sensor.rules.eval.TypeSet;
import io.bulwark.sensor.rules.fields.EventView;
import java.util.List;

/**
 * A compiled rule.
 *
 * @param name        rule name
 * @param description desc
 * @param priority    Falco priority
 * @param tags        tags in order (e.g. {@code vector:host-mount}, {@code T1611})
 * @param file        file that defined it
 * @param line        line of the defining item
 * @param condition   the full condition text after appends (without exceptions)
 * @param eventTypes  event types the condition can match (cofinite when unrestricted)
 * @param predicate   compiled condition, exceptions included
 * @param output      compiled output
 */
public record Rule(String name, String description, Priority priority, List<String> tags, String file, int line,
                   String condition, TypeSet eventTypes, Pred predicate, OutputTemplate output) {

    /** True only when the condition is definitely true for the event. */
    public boolean matches(EventView ev) {
        return predicate.test(ev) == Pred.TRUE;
    }

    /** The value of the first tag {@code vector:<id>}, or null. */
    public String vector() {
        for (String t : tags) {
            if (t.startsWith("vector:")) {
                return t.substring("vector:".length());
            }
        }
        return null;
    }

    /** MITRE technique tags ({@code T1611}, {@code T1055.008}). */
    public List<String> mitre() {
        return tags.stream().filter(t -> t.matches("T\\d{4}(\\.\\d{3})?")).toList();
    }
}
