package io.bulwark.contract;

import java.util.List;

/**
 * The cluster-wide escape-surface report the audit aggregation function builds in the archive
 * from every node's {@link EscapeSurfaceReport} (docs/audit-aggregation.md). Each one is a new,
 * immutable object; {@code audit/cluster/latest.json} ({@link ClusterPointer}) names the newest.
 * Schema: {@code schemas/cluster-audit.schema.json}.
 *
 * @param time       when this report was built (ISO-8601, UTC)
 * @param generation 1 for the first report, then previous + 1
 * @param previous   archive key of the report this one was built from, null for the first
 * @param trigger    the node report whose arrival built this one
 * @param nodes      one entry per node: the newest report seen from it (the per-node "latest" pointer)
 * @param containers every live container of the cluster, highest score first
 * @param summary    counts per band over {@code containers}
 * @param namespaces counts per Kubernetes namespace (null namespace: containers outside Kubernetes)
 * @param enrichment how the trigger report's containers were enriched from the Kubernetes API
 * @param findings   the Escape Surface Finding events emitted for the trigger report (the audit trail)
 * @param expired    containers and nodes dropped because no report mentioned them for too long
 * @param removed    containers the trigger report removed: it is a complete inventory of their node
 *                   ({@code scope: node}) newer than the last report that listed them, and they are not
 *                   in it (stopped). Null in cluster reports built before the field existed
 */
public record ClusterEscapeSurfaceReport(
        String time, long generation, String previous, Trigger trigger, List<NodeEntry> nodes,
        List<Container> containers, EscapeSurfaceReport.Summary summary, List<NamespaceSummary> namespaces,
        Enrichment enrichment, Findings findings, Expired expired, List<Removed> removed) {

    /**
     * The node report that triggered the build.
     *
     * @param scope   the scope the merge applied: {@code node} (complete inventory: may remove containers)
     *                or {@code container} (also for a report without scope, from an older sensor)
     * @param removed how many containers it removed (listed in the cluster report's {@code removed})
     */
    public record Trigger(String node, String reportId, String reportKey, String reportTime, String scope, int containers,
                          int applied, int removed) {}

    /**
     * A node and its newest report.
     *
     * @param node       the node's archive name (hostname, else instance id; path-safe)
     * @param reportId   id of the newest report (the event id)
     * @param reportKey  archive key of that report
     * @param reportTime its audit time
     */
    public record NodeEntry(String node, String hostname, String instanceId, String kernel, String reportId,
                            String reportKey, String reportTime, int containers, int high, int medium, int low) {}

    /**
     * One container: its newest risk assessment plus the pod spec from the Kubernetes API.
     *
     * @param reportId   the report this entry comes from
     * @param reportTime that report's audit time (when the container was last seen)
     * @param pod        pod facts from the Kubernetes API; null outside Kubernetes or when enrichment is off
     */
    public record Container(String node, String id, String name, String runtime, String image, ContainerInfo.K8s k8s,
                            int score, EscapeSurfaceReport.Band band, List<EscapeSurfaceReport.Factor> factors,
                            String reportId, String reportTime, Pod pod) {}

    /**
     * The pod a container belongs to, as the Kubernetes API describes it.
     *
     * @param status          found; not-found (the API no longer has the pod); replaced (a pod of that name
     *                        exists with another uid); error (the API call failed, see {@code error});
     *                        skipped (not asked after an earlier API failure in the same run)
     * @param owner           top controller (Deployment, DaemonSet, StatefulSet, CronJob, Job …), null for a bare pod
     * @param pssLevel        the most permissive Pod Security Standards level the spec needs:
     *                        restricted, baseline or privileged
     * @param pssViolations   the controls that keep it from the next stricter level ("baseline: Host Namespaces (hostPID)")
     * @param checkedAt       when the API was asked
     */
    public record Pod(String status, String namespace, String name, String uid, Owner owner, String serviceAccount,
                      SecurityContext securityContext, List<HostPathVolume> hostPathVolumes, Boolean hostPid,
                      Boolean hostNetwork, Boolean hostIpc, String pssLevel, List<String> pssViolations,
                      String error, String checkedAt) {

        public static Pod status(String status, String namespace, String name, String error, String checkedAt) {
            return new Pod(status, namespace, name, null, null, null, null, null, null, null, null, null, null, error, checkedAt);
        }
    }

    /** Controller of a pod; {@code chain} lists every hop ("ReplicaSet/web-5d8f", "Deployment/web"). */
    public record Owner(String kind, String name, List<String> chain) {}

    /** Pod-level securityContext (the fields that matter for escapes). */
    public record SecurityContext(Long runAsUser, Long runAsGroup, Boolean runAsNonRoot, Long fsGroup,
                                  List<Long> supplementalGroups, String seccompProfile, String appArmorProfile,
                                  String seLinuxType, List<String> sysctls) {}

    /** A hostPath volume and who mounts it ({@code container:/mount/path (ro)}). */
    public record HostPathVolume(String name, String path, String type, List<String> mountedBy) {}

    /** Counts per band in one namespace. */
    public record NamespaceSummary(String namespace, int containers, int high, int medium, int low) {}

    /**
     * Enrichment of the trigger report's containers.
     *
     * @param status ok, partial (some pods missing or skipped), error (the API failed; the report is stored
     *               without enrichment), disabled, none (no Kubernetes container in the report)
     */
    public record Enrichment(String status, String error, int pods, int found, int notFound, int failed) {}

    /**
     * The findings of this build.
     *
     * @param bus                  where they went (eventbridge:NAME or local)
     * @param limit                at most this many per invocation
     * @param emitted              every finding sent, with the bus's answer
     * @param suppressed           HIGH containers over the limit (not emitted)
     * @param suppressedContainers their node/container ids
     */
    public record Findings(String bus, int limit, List<Emitted> emitted, int suppressed, List<String> suppressedContainers) {}

    /** One emitted finding: {@code status} sent or failed; {@code eventId} as the bus returned it. */
    public record Emitted(String findingId, String eventId, String node, String containerId, int score,
                          String status, String error) {}

    /**
     * A container a complete node inventory no longer lists: what the view held when it was removed.
     *
     * @param lastReportId the last report that listed it
     * @param lastSeen     that report's audit time
     * @param removedBy    id of the report that removed it (this cluster report's trigger: key and time there)
     */
    public record Removed(String node, String id, String name, String image, ContainerInfo.K8s k8s, int score,
                          EscapeSurfaceReport.Band band, String lastReportId, String lastSeen, String removedBy) {}

    /** Dropped because older than the configured expiry. */
    public record Expired(int containers, List<String> nodes) {}

    /** {@code audit/cluster/latest.json}: the only archive object that is ever replaced. */
    public record ClusterPointer(String key, long generation, String time, EscapeSurfaceReport.Summary summary) {}
}
