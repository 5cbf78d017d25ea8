package io.bulwark.sensor.rules.fields;

import java.util.function.Function;

/**
 * One supported field.
 *
 * @param name     Falco's name ({@code proc.aname})
 * @param type     type without an argument
 * @param argType  type with an argument ({@code proc.aname[2]} is a string), null when no argument is accepted
 * @param argMode  whether the field takes {@code [arg]}
 * @param source   where the value comes from, for docs/fields.md
 * @param factory  builds the extractor for an argument (null when none); throws IllegalArgumentException on a bad one
 */
public record FieldDef(String name, FieldType type, FieldType argType, ArgMode argMode, String source,
                       Function<String, Extractor> factory) {

    /** Whether the field takes an argument in brackets. */
    public enum ArgMode { NONE, OPTIONAL, REQUIRED }

    public FieldType typeFor(String arg) {
        return arg == null ? type : argType;
    }
}
