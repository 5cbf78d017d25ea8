package io.bulwark.sensor.act;

import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.Priority;
import java.util.List;
import java.util.Set;

/**
 * The default playbook's node-local part (DESIGN.md; response/src/main/resources/playbooks/default.yaml
 * and patterns/containment.json): an alert from a container at CRITICAL or above, or a confirmed
 * escape vector (one of ten, at ERROR or above), gets evidence, then a freeze. Used until the
 * playbook library is on the sensor's classpath; the same decision as the default playbook's match.
 */
public final class DefaultPolicy implements ResponsePolicy {
    public static final Set<String> CONFIRMED_VECTORS = Set.of("ns-enter-host", "host-device-mount", "cgroup-release-agent",
            "core-pattern", "usermode-helper", "kernel-module", "runc-exe-overwrite", "host-chroot", "open-by-handle",
            "device-cgroup-mknod");
    private static final List<Step> STEPS = List.of(new Step("evidence", "default-containment", false),
            new Step("freeze", "default-containment", false));

    @Override
    public List<Step> nodeSteps(AlertEnvelope alert) {
        var d = alert.detail();
        if (d.container() == null || d.container().id() == null) {
            return List.of();
        }
        Priority p;
        try {
            p = Priority.parse(d.priority());
        } catch (RuntimeException e) {
            return List.of();
        }
        boolean critical = p.atLeast(Priority.CRITICAL);
        boolean confirmed = d.vector() != null && CONFIRMED_VECTORS.contains(d.vector()) && p.atLeast(Priority.ERROR);
        return critical || confirmed ? STEPS : List.of();
    }

    @Override
    public String describe() {
        return "default playbook (CRITICAL or a confirmed vector in a container: evidence, freeze)";
    }
}
