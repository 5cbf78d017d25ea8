package io.bulwark.sensor.rules.fields;

/**
 * Reads one field from an event. Returns the value ({@link String}, {@link Long}, {@link Boolean},
 * {@link java.util.List} of String for list fields), {@code null} when the event has no value for the field
 * (Falco has none either: comparisons are false), or {@link Values#UNKNOWN} when Falco would know a
 * value that Bulwark's sensor does not collect (comparisons are unknown, see docs/rules.md).
 */
@FunctionalInterface
public interface Extractor {
    Object get(EventView ev);
}
