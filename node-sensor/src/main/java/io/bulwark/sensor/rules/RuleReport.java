package io.bulwark.sensor.rules;

/** One rule's outcome at load; {@code reason} is null for loaded rules. */
public record RuleReport(String name, String file, int line, RuleStatus status, String reason) {}
