package io.bulwark.contract;

import java.util.List;

/**
 * The escape-surface audit of one node (workflow 3): every container, its score and the factors
 * behind it. Emitted as the detail of an {@code Escape Surface Report} event (source
 * {@code bulwark.sensor}); see {@code schemas/audit.schema.json}.
 */
public record EscapeSurfaceReport(String time, AlertDetail.Node node, List<ContainerRisk> containers, Summary summary) {

    public static final String DETAIL_TYPE = "Escape Surface Report";

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
