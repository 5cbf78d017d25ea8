package io.bulwark.sensor.integrity;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Entry hooks the node carried before any test ran: the CI machines' kernels have 35 syscall
 * entries hooked by their host's own tracing (docs/integrity.md, "Hooks that were there
 * first"). Read once, with a checker of its own, before the tests attach anything (Bulwark's
 * programs are tracepoints and hook no entry). Tests ignore these owners' findings after
 * checking they are reported once per owner; everything else must still be clean.
 */
final class NodeHooks {
    private static Map<String, Finding> byOwner;

    private NodeHooks() {}

    static synchronized Map<String, Finding> byOwner() {
        if (byOwner == null) {
            try (IntegrityChecker c = IntegrityChecker.open(EnumSet.of(IntegrityChecker.Check.TEXT))) {
                Map<String, Finding> m = new HashMap<>();
                for (Finding f : c.baseline().findings()) {
                    if (f.rule().equals(IntegrityRules.ENTRY_HOOK)) {
                        if (m.put(String.valueOf(f.details().get("owner")), f) != null) {
                            throw new AssertionError("two findings for one hook owner: " + f.details().get("owner"));
                        }
                    }
                }
                byOwner = Map.copyOf(m);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot run the integrity checker: " + e.getMessage(), e);
            }
        }
        return byOwner;
    }

    static Set<String> owners() {
        return new TreeSet<>(byOwner().keySet());
    }

    /** True for a finding of a hook owner the node had before the tests. */
    static boolean preexisting(Finding f) {
        return f.rule().equals(IntegrityRules.ENTRY_HOOK) && byOwner().containsKey(String.valueOf(f.details().get("owner")));
    }

    static List<Finding> withoutPreexisting(List<Finding> findings) {
        return findings.stream().filter(f -> !preexisting(f)).toList();
    }
}
