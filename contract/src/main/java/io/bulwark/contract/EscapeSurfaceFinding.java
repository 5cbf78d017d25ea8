package io.bulwark.contract;

/**
 * One HIGH container found by the audit aggregation: the detail of an {@code Escape Surface
 * Finding} event (source {@code bulwark.audit}) that can trigger a playbook. Schema:
 * {@code schemas/finding.schema.json}; docs/audit-aggregation.md.
 *
 * @param id               stable finding id: the same report and container always give the same id
 * @param time             when the finding was emitted
 * @param band             the container's band (HIGH); copied up so that patterns match {@code detail.band}
 * @param score            the container's score
 * @param repeat           true when the container was already HIGH in the previous cluster report
 * @param reportId         the node report that produced it
 * @param reportKey        that report's archive key (the cluster report that records the finding has
 *                         {@code trigger.report_id} = {@code reportId})
 * @param node             the node
 * @param container        the container, its factors and its pod
 * @param action           what to do: the band's action ("remediate now")
 */
public record EscapeSurfaceFinding(String id, String time, EscapeSurfaceReport.Band band, int score, boolean repeat,
                                   String reportId, String reportKey, AlertDetail.Node node,
                                   ClusterEscapeSurfaceReport.Container container, String action) {

    public static final String SOURCE = "bulwark.audit";
    public static final String DETAIL_TYPE = "Escape Surface Finding";
}
