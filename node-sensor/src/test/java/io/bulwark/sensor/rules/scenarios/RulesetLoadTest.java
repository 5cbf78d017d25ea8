package io.bulwark.sensor.rules.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.Priority;
import io.bulwark.sensor.rules.LoadProblem;
import io.bulwark.sensor.rules.LoadResult;
import io.bulwark.sensor.rules.ProblemCode;
import io.bulwark.sensor.rules.Rule;
import io.bulwark.sensor.rules.RuleReport;
import io.bulwark.sensor.rules.RuleStatus;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The shipped escape ruleset: loads completely, and every rule carries what alerts need. */
class RulesetLoadTest {

    /** Canonical ids of escape-vectors.md that the ruleset covers (see docs/escape-rules.md). */
    static final Set<String> COVERED = Set.of(
            "privileged-container", "excessive-capabilities", "sensitive-mount", "host-namespaces",
            "host-device-mount", "raw-device-access", "host-chroot", "host-file-write", "device-cgroup-mknod",
            "open-by-handle", "kubelet-log-symlink",
            "cgroup-release-agent", "core-pattern", "usermode-helper", "sysrq", "kernel-memory-read",
            "ns-enter-host", "userns-create", "ptrace-attach", "proc-mem-write", "process-vm-write", "host-proc-access",
            "runtime-socket", "runtime-tcp-api", "shim-abstract-socket", "k8s-api-abuse", "credential-theft",
            "runc-exe-overwrite", "runc-leaked-fd", "runc-mount-race",
            "dirty-pipe", "userfaultfd", "packet-socket", "kernel-module", "bpf-load",
            "drift-exec", "fileless-exec", "reverse-shell", "host-persistence", "cloud-metadata", "in-container-privesc",
            "cred-escalation");

    /** Ids of the catalogue with no rule, and why, in docs/escape-rules.md. */
    static final Set<String> NOT_COVERED = Set.of("kernel-rootkit-hooks");

    /** Section A: risky starts, informational only. */
    static final Set<String> START = Set.of("privileged-container", "excessive-capabilities", "sensitive-mount", "host-namespaces");

    /**
     * As the CLI loads it, with the engine's own fields: every rule loaded, no error, and no warning
     * but the engine-version one (no unused macro or list, no rule without event types).
     */
    @Test
    void shippedRulesetLoadsCompletelyWithTheStandardFields() {
        LoadResult r = Scenarios.standardLoad();
        assertTrue(r.errors().isEmpty(), () -> r.errors().stream().map(LoadProblem::format).collect(Collectors.joining("\n")));
        List<RuleReport> notLoaded = r.rules().stream().filter(x -> x.status() != RuleStatus.LOADED).toList();
        Set<String> reasons = notLoaded.stream().map(RuleReport::reason).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(notLoaded.isEmpty(), () -> notLoaded.size() + " of " + r.rules().size() + " rules not loaded: " + reasons);
        List<String> warnings = r.warnings().stream().filter(w -> w.code() != ProblemCode.LOAD_UNCHECKED_REQUIREMENT)
                .map(LoadProblem::format).toList();
        assertTrue(warnings.isEmpty(), () -> String.join("\n", warnings));
    }

    @Test
    void everyRuleHasAVectorTheMitreTechniqueAndTheContainerTag() {
        List<Rule> rules = Scenarios.engine().rules();
        assertTrue(rules.size() >= COVERED.size(), "at least one rule per covered vector");
        Set<String> seen = new TreeSet<>();
        for (Rule rule : rules) {
            String v = rule.vector();
            assertTrue(v != null && COVERED.contains(v), () -> rule.name() + ": vector " + v);
            seen.add(v);
            assertTrue(!rule.mitre().isEmpty(), () -> rule.name() + ": MITRE technique tag");
            assertTrue(rule.tags().stream().anyMatch(t -> t.startsWith("mitre_")), () -> rule.name() + ": mitre_ tactic tag");
            assertTrue(rule.tags().contains("container"), () -> rule.name() + ": container tag");
        }
        assertEquals(new TreeSet<>(COVERED), seen, "every covered vector has a rule");
        assertTrue(NOT_COVERED.stream().noneMatch(seen::contains));
    }

    @Test
    void prioritiesMeanSomething() {
        for (Rule rule : Scenarios.engine().rules()) {
            boolean start = START.contains(rule.vector());
            if (start) {
                assertEquals(Priority.INFORMATIONAL, rule.priority(), () -> rule.name() + ": a risky start is informational");
            } else if (rule.tags().contains("recon")) {
                // recon that cannot succeed as the container is configured (a device it cannot reach)
                assertEquals(Priority.NOTICE, rule.priority(), () -> rule.name() + ": recon that cannot succeed is NOTICE");
            } else if (!rule.name().equals("API Server Contacted Directly From Container")) {
                assertTrue(rule.priority().atLeast(Priority.WARNING), () -> rule.name() + ": an attempt is WARNING or above");
            }
        }
    }

    @Test
    void everyAttemptOutputCarriesTheResultAndTheContainer() {
        for (Rule rule : Scenarios.engine().rules()) {
            String yaml = Scenarios.rulesText();
            int at = yaml.indexOf("- rule: " + rule.name());
            int end = yaml.indexOf("\n- ", at + 1);
            String item = yaml.substring(at, end < 0 ? yaml.length() : end);
            assertTrue(item.contains("%container.name") || item.contains("%container.id"), () -> rule.name() + ": names the container");
            assertTrue(item.contains("%proc.cmdline"), () -> rule.name() + ": names the process");
            if (!START.contains(rule.vector()) && !item.contains("evt.type = execve")) {
                assertTrue(item.contains("%evt.res"), () -> rule.name() + ": a failed attempt shows its errno");
            }
        }
    }
}
