package io.bulwark.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * What an alert says. See {@code schemas/alert.schema.json} and docs/alerts.md.
 *
 * @param id           unique alert id (UUID)
 * @param time         ISO-8601 time of the (first) matching event
 * @param rule         name of the rule that fired
 * @param priority     Falco priority name: EMERGENCY … DEBUG
 * @param severity     numeric severity as GuardDuty uses it (1.0–8.9)
 * @param vector       canonical escape vector id (escape-vectors.md), from the rule's {@code vector:} tag
 * @param mitre        MITRE ATT&amp;CK technique ids from the rule's tags
 * @param tags         all the rule's tags
 * @param output       the rule's output with fields substituted
 * @param outputFields Falco field name to value, for every field the output names
 * @param count        how many identical alerts this one stands for (coalescing); 1 for the first
 * @param process      the process, with ancestors
 * @param container    the container, null for the host
 * @param k8s          pod attribution, null outside Kubernetes
 * @param node         the node
 * @param syscall      the syscall that matched
 * @param sensor       which sensor, in which mode, and what it did
 */
public record AlertDetail(
        String id, String time, String rule, String priority, double severity, String vector,
        List<String> mitre, List<String> tags, String output, Map<String, Object> outputFields, int count,
        ProcessInfo process, ContainerInfo container, ContainerInfo.K8s k8s, Node node, Syscall syscall,
        Sensor sensor) {

    /**
     * The node the sensor runs on.
     *
     * @param runtimes container runtime versions on the node by name ({@code runc}, {@code containerd},
     *                 {@code docker}, {@code crun}: {@code "1.1.11"}), for the triage's CVE answers; null
     *                 (and left out of the JSON) when the sensor does not know them
     * @param commandKey the name this node's command queue is keyed by ({@code <prefix>-node-<key>}) when it is not
     *                 the hostname: under EKS Pod Identity the sensor pod's name, the only queue its role may read
     *                 (docs/deploy.md, "Who can read a node's queue"); null (left out of the JSON) when the queue is
     *                 keyed by the hostname
     */
    public record Node(String hostname, String instanceId, String kernel,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> runtimes,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String commandKey) {
        public Node(String hostname, String instanceId, String kernel) { this(hostname, instanceId, kernel, null, null); }

        public Node(String hostname, String instanceId, String kernel, Map<String, String> runtimes) {
            this(hostname, instanceId, kernel, runtimes, null);
        }

        /** The key of this node's command queue: {@link #commandKey} when set, else the hostname. */
        @com.fasterxml.jackson.annotation.JsonIgnore
        public String commandQueueKey() {
            return commandKey != null && !commandKey.isBlank() ? commandKey : hostname;
        }
    }

    /**
     * The sensor that raised the alert. {@code action} is what it did on the node before the alert left
     * it: none, dry-run, frozen, killed … (docs/response.md). {@code incident} is the incident id the node
     * filed the alert under (alerts of one container within the correlation window share it; evidence is
     * archived under it), null when the node opened none.
     */
    public record Sensor(String version, String mode, String action, String incident) {
        public Sensor(String version, String mode, String action) { this(version, mode, action, null); }
    }
}
