package io.bulwark.contract;

import java.util.List;

/**
 * The escape-surface audit of one node (workflow 3): its containers, their scores and the factors
 * behind them. Emitted as the detail of an {@code Escape Surface Report} event (source
 * {@code bulwark.sensor}); see {@code schemas/audit.schema.json}.
 *
 * @param id    stable id ({@link StableId}: node, scope, time and the containers listed): a redelivered
 *              report keeps it, consumers dedupe on it
 * @param time  when the audit ran; for a {@link #SCOPE_NODE} report, taken before the inventory
 *              was read: a container missing from it was not running when it was read (at or after
 *              {@code time}), and one that starts later has a newer start report
 * @param scope {@link #SCOPE_NODE}: {@code containers} is the complete inventory of the node at
 *              {@code time} (every container the runtimes know); {@link #SCOPE_CONTAINER}: only
 *              the listed containers (a container-start report), nothing to conclude about others.
 *              Null in reports from before the field existed: read as {@link #SCOPE_CONTAINER}
 *              ({@link #completeInventory()})
 */
public record EscapeSurfaceReport(String id, String time, String scope, AlertDetail.Node node, List<ContainerRisk> containers, Summary summary) {

    public static final String DETAIL_TYPE = "Escape Surface Report";

    /** A report with its stable id computed from what it says. */
    public static EscapeSurfaceReport of(String time, String scope, AlertDetail.Node node, List<ContainerRisk> containers, Summary summary) {
        StringBuilder ids = new StringBuilder();
        if (containers != null) {
            for (ContainerRisk c : containers) {
                ids.append(c == null ? "" : c.id()).append(',');
            }
        }
        return new EscapeSurfaceReport(StableId.of("escape-surface-report", node == null ? null : node.hostname(), scope, time, ids),
                time, scope, node, containers, summary);
    }

    /** The report lists every container of the node: a container it leaves out is gone. */
    public static final String SCOPE_NODE = "node";

    /** The report lists some containers (at container start): it says nothing about the others. */
    public static final String SCOPE_CONTAINER = "container";

    /**
     * True only for an explicit {@link #SCOPE_NODE}: a missing (older sensor) or unknown scope
     * counts as {@link #SCOPE_CONTAINER}, so no container is ever removed on a guess.
     */
    public boolean completeInventory() {
        return SCOPE_NODE.equals(scope);
    }

    /** One container's risk. */
    public record ContainerRisk(String id, String name, String runtime, String image, ContainerInfo.K8s k8s,
                               int score, Band band, List<Factor> factors) {}

    /**
     * One risk factor found on a container.
     *
     * @param id          stable factor id ({@code privileged}, {@code cap-sys-admin}, {@code runtime-socket} …)
     * @param title       one line for a human
     * @param weight      points it adds to the score
     * @param evidence    what in the runtime state shows it
     * @param remediation how to remove it
     * @param pss         Pod Security Standards control it breaks ({@code baseline: Privileged Containers}), or null
     * @param kubescape   kubescape control id and name it matches, or null
     */
    public record Factor(String id, String title, int weight, String evidence, String remediation,
                         String pss, String kubescape) {}

    /** Risk bands: what to do about a container. */
    public enum Band {
        LOW, MEDIUM, HIGH;

        public String action() {
            return switch (this) {
                case LOW -> "monitor";
                case MEDIUM -> "review";
                case HIGH -> "remediate now";
            };
        }
    }

    /** Counts per band. */
    public record Summary(int containers, int high, int medium, int low) {}
}
