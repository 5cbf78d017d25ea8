package io.bulwark.contract;

import java.util.List;
import java.util.Map;

/**
 * One incident: the alerts of one attack on one container (or one process lineage), as the triage
 * function files them (docs/triage.md). The incident store keeps the newest version at
 * {@code state/incidents/<id>.json}; every change is published as the detail of an event with
 * {@code source: bulwark.triage}, {@code detail-type: Bulwark Incident}. Schema:
 * {@code schemas/incident.schema.json}.
 *
 * @param id          the incident id: the node's ({@code sensor.incident}) for Bulwark alerts, else
 *                    {@link StableId} of ("incident", node, correlation key, first alert id), the node's formula
 * @param status      open; contained (a containment action succeeded: frozen, killed, stopped, isolated); closed
 * @param firstSeen   time of the earliest alert (ISO-8601, UTC)
 * @param lastSeen    time of the latest alert
 * @param updated     when this version was written
 * @param version     1 for the first version, +1 for each stored change
 * @param node        the node, with what enrichment found (instance, cluster, runtime versions)
 * @param container   the container, null for host-level alerts
 * @param k8s         pod attribution, null outside Kubernetes
 * @param pod         the pod as the Kubernetes API describes it, null when not asked or not reachable
 * @param count       distinct alerts filed under the incident (a replayed alert id counts once)
 * @param alertIds    ids of the latest alerts, oldest first, at most {@link #MAX_ALERT_IDS}
 * @param rules       rules that fired, first occurrence order
 * @param vectors     escape vectors seen (escape-vectors.md ids)
 * @param mitre       ATT&amp;CK technique ids
 * @param priority    the highest priority of its alerts (Falco's names)
 * @param severity    the incident's score and how it was reached
 * @param sources     where its alerts came from: bulwark, falco, guardduty
 * @param lineage     process keys seen (pid or GuardDuty process uuid, with ancestors), for lineage correlation
 * @param rootCause   the answers to "how could it happen": privileged, capabilities, runtime socket, host
 *                    namespaces, vector, technique, matching CVEs
 * @param remediation concrete advice, most important first
 * @param actions     what was done: the sensor's action per alert, later the respond function's steps
 * @param evidence    where the evidence of this incident is archived
 */
public record Incident(
        String id, String status, String firstSeen, String lastSeen, String updated, long version,
        Node node, Container container, ContainerInfo.K8s k8s, ClusterEscapeSurfaceReport.Pod pod,
        int count, List<String> alertIds, List<String> rules, List<String> vectors, List<String> mitre,
        String priority, Severity severity, List<String> sources, List<String> lineage,
        RootCause rootCause, List<Remediation> remediation, List<Action> actions, Evidence evidence) {

    public static final String SOURCE = "bulwark.triage";
    public static final String DETAIL_TYPE = "Bulwark Incident";
    public static final int MAX_ALERT_IDS = 100;

    public static final String OPEN = "open";
    public static final String CONTAINED = "contained";
    public static final String CLOSED = "closed";

    /**
     * The node.
     *
     * @param cluster  EKS/Kubernetes cluster name where known
     * @param runtimes runtime versions by name (runc, containerd, docker, crun), from the alert or the Kubernetes node
     * @param os       operating system image (the Kubernetes node's osImage) where known
     * @param commandKey the key of the node's command queue when it is not the hostname (the alert's
     *                 {@code detail.node.command_key}: the sensor pod's name under EKS Pod Identity); left out of the
     *                 JSON when null
     */
    public record Node(String hostname, String instanceId, String kernel, String cluster, Map<String, String> runtimes, String os,
                       @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                       String commandKey) {
        public Node(String hostname, String instanceId, String kernel, String cluster, Map<String, String> runtimes, String os) {
            this(hostname, instanceId, kernel, cluster, runtimes, os, null);
        }
    }

    /** The container the alerts came from. */
    public record Container(String id, String name, String image, String runtime) {}

    /**
     * The incident's severity on GuardDuty's scale.
     *
     * @param score 1.0–8.9
     * @param label Low (1.0–3.9), Medium (4.0–6.9), High (7.0–8.9)
     * @param how   the steps that gave the score ("max alert severity 8.0 (CRITICAL)", "+0.3 privileged container" …)
     */
    public record Severity(double score, String label, List<String> how) {}

    /**
     * Workflow 2's root-cause questions, answered from the container's facts. A null answer means the
     * alerts did not say (a GuardDuty finding without the pod's security context, a Falco alert without
     * container fields).
     *
     * @param privileged           the container runs privileged
     * @param capabilities         the dangerous capabilities it holds (CAP_ names); all of them when privileged
     * @param runtimeSocketMounted a container runtime socket (docker.sock, containerd.sock …) is mounted in
     * @param runtimeSockets       the mounts that are runtime sockets
     * @param hostNamespaces       namespaces shared with the host (pid, network, ipc, uts, mount, user, cgroup)
     * @param vector               the escape vector: the latest alert's, else the most frequent
     * @param mitre                ATT&amp;CK techniques of the vector and the alerts
     * @param runtime              the runtime the CVEs were matched against ({@code runc 1.1.11}), null when unknown
     * @param kernel               the kernel release they were matched against
     * @param cves                 known CVEs that fit the runtime/kernel versions and the vector
     */
    public record RootCause(Boolean privileged, List<String> capabilities, Boolean runtimeSocketMounted, List<String> runtimeSockets,
                            List<String> hostNamespaces, String vector, List<String> mitre, String runtime, String kernel, List<Cve> cves) {}

    /**
     * A known CVE that fits the incident.
     *
     * @param match    version+vector (the node's version is affected and the alert used this CVE's technique),
     *                 version (the node's version is affected; the alert used another technique),
     *                 vector (the technique is this CVE's; the version is unknown)
     * @param why      the comparison that made it fit, in words
     * @param fixedIn  the first fixed version(s)
     */
    public record Cve(String id, String component, String match, String why, String fixedIn, String reference) {}

    /** One piece of advice: what to change, why, and where the rule comes from (PSS control, CVE page …). */
    public record Remediation(String advice, String why, String reference) {}

    /**
     * Something done about the incident.
     *
     * @param action  the sensor's {@code sensor.action} (frozen, dry-run:freeze, freeze-failed:REASON …) or a respond step
     * @param by      who: {@code sensor:<node>}, {@code respond:<playbook>/<step>}
     * @param alertId the alert that reported it, when it came with one
     */
    public record Action(String time, String action, String by, String alertId) {}

    /** Where the evidence lies: {@code incidents/yyyy/mm/dd/<id>/} in the archive bucket (date of the first alert, UTC). */
    public record Evidence(String prefix) {}
}
