package io.bulwark.response.action;

import io.bulwark.response.Durations;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One parameter an action accepts.
 *
 * @param name         the key under a step's {@code params}
 * @param type         its type
 * @param required     true when a step must give it
 * @param defaultValue the value when a step does not give it (null: none)
 * @param allowed      the values of an {@link ParamType#ENUM}
 * @param description  one line for {@code actions list}
 */
public record ParamSpec(String name, ParamType type, boolean required, Object defaultValue, List<String> allowed, String description) {
    private static final Pattern SECRET_REF = Pattern.compile("env:[A-Za-z_][A-Za-z0-9_]*|arn:aws:secretsmanager:[^\\s]+|ssm:/[^\\s]+");

    public ParamSpec {
        allowed = allowed == null ? List.of() : List.copyOf(allowed);
    }

    public static ParamSpec required(String name, ParamType type, String description) {
        return new ParamSpec(name, type, true, null, List.of(), description);
    }

    public static ParamSpec optional(String name, ParamType type, Object defaultValue, String description) {
        return new ParamSpec(name, type, false, defaultValue, List.of(), description);
    }

    public static ParamSpec oneOf(String name, String defaultValue, List<String> allowed, String description) {
        return new ParamSpec(name, ParamType.ENUM, false, defaultValue, allowed, description);
    }

    /**
     * Checks a value a playbook gives (as the YAML loader produced it: String, Long/Integer, Boolean, Double, List).
     *
     * @return why the value is wrong, or empty when it fits
     */
    public Optional<String> check(Object value) {
        String what = "parameter '" + name + "'";
        if (value == null) return Optional.of(what + " is empty; expected " + expected());
        switch (type) {
            case STRING:
                return value instanceof String ? Optional.empty() : Optional.of(what + " must be a string, not " + describe(value));
            case INT:
                return value instanceof Integer || value instanceof Long ? Optional.empty()
                        : Optional.of(what + " must be a whole number, not " + describe(value));
            case BOOL:
                return value instanceof Boolean ? Optional.empty() : Optional.of(what + " must be true or false, not " + describe(value));
            case DURATION:
                if (!(value instanceof String s)) return Optional.of(what + " must be a duration like 30s or 5m, not " + describe(value));
                try {
                    Durations.parse(s);
                    return Optional.empty();
                } catch (IllegalArgumentException e) {
                    return Optional.of(what + ": " + e.getMessage());
                }
            case ENUM:
                return value instanceof String s && allowed.contains(s) ? Optional.empty()
                        : Optional.of(what + " must be one of " + String.join(", ", allowed) + ", not " + describe(value));
            case STRING_LIST:
                if (value instanceof List<?> l && l.stream().allMatch(String.class::isInstance)) return Optional.empty();
                return Optional.of(what + " must be a list of strings, not " + describe(value));
            case SECRET_REF:
                if (value instanceof String s && SECRET_REF.matcher(s).matches()) return Optional.empty();
                return Optional.of(what + " must reference a secret (env:NAME, arn:aws:secretsmanager:…, ssm:/name), "
                        + "never hold it: playbooks and audit records are not secret");
            default:
                throw new IllegalStateException(type.name());
        }
    }

    /** What a value must look like, for messages and the catalogue. */
    public String expected() {
        return switch (type) {
            case ENUM -> "one of " + String.join("|", allowed);
            case DURATION -> "a duration (30s, 5m)";
            case SECRET_REF -> "a secret reference (env:NAME, arn:aws:secretsmanager:…, ssm:/name)";
            case STRING_LIST -> "a list of strings";
            case BOOL -> "true|false";
            case INT -> "a whole number";
            case STRING -> "a string";
        };
    }

    private static String describe(Object v) {
        if (v instanceof String s) return "'" + s + "'";
        if (v instanceof List<?>) return "a list";
        if (v instanceof java.util.Map<?, ?>) return "a mapping";
        return "'" + v + "' (" + (v instanceof Boolean ? "a boolean" : "a number") + ")";
    }
}
