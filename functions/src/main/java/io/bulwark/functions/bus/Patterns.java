package io.bulwark.functions.bus;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The EventBridge patterns this module ships in {@code src/main/resources/patterns/}. Terraform
 * reads the same files with {@code file()}, the local bus loads them from the classpath.
 */
public final class Patterns {
    /** HIGH Escape Surface Findings: the playbook trigger. */
    public static final String AUDIT_HIGH_FINDING = "audit-high-finding";

    /** Every incident version the triage publishes: the respond function's trigger, and the incidents archive. */
    public static final String INCIDENT = "incident";

    public static final List<String> ALL = List.of(AUDIT_HIGH_FINDING, INCIDENT);

    private Patterns() {}

    public static String load(String name) {
        String path = "patterns/" + name + ".json";
        try (InputStream in = Patterns.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("pattern " + path + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }
}
