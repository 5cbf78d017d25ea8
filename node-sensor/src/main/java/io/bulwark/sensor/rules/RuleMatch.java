package io.bulwark.sensor.rules;

import java.util.Map;

/**
 * A rule that matched an event.
 *
 * @param rule         the rule
 * @param output       the rule's output with fields substituted ({@code <NA>} for missing values)
 * @param outputFields every field the output names, Falco name to value (null when missing), in the order the
 *                     output first names them; read-only
 */
public record RuleMatch(Rule rule, String output, Map<String, Object> outputFields) {}
