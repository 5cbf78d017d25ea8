package io.bulwark.sensor.integrity;

import io.bulwark.contract.Priority;
import java.util.Map;

/**
 * One integrity problem found in the running kernel.
 *
 * @param check    which check found it: {@code text}, {@code pointers}, {@code bpf}, {@code processes}
 * @param rule     the rule name the alert carries ({@link IntegrityRules})
 * @param priority how bad it is
 * @param target   what is affected: a function, a file's operation, a program, a pid
 * @param summary  one sentence for a person
 * @param details  the evidence (bytes, addresses, symbols, ids), JSON-friendly values
 * @param key      identity for de-duplication: the same key is reported once per sensor run
 */
public record Finding(String check, String rule, Priority priority, String target, String summary,
                      Map<String, Object> details, String key) {}
