package io.bulwark.functions.triage;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.Priority;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One alert, whatever sent it, in the form triage works on (docs/triage.md, "Normalisation").
 *
 * @param source        bulwark, falco or guardduty
 * @param id            the alert's id: Bulwark's detail.id, Falco's uuid (else a stable id of its fields),
 *                      GuardDuty's finding id
 * @param severity      1.0–8.9 (GuardDuty's scale; Bulwark and Falco from the priority)
 * @param node          hostname (GuardDuty: the instance id when no hostname is known)
 * @param containerId   null for a host-level alert
 * @param container     the runtime's facts about the container when the alert carries them (Bulwark), else null
 * @param facts         what the alert says about the container when it carries no ContainerInfo (Falco fields,
 *                      GuardDuty's workload details); null when nothing
 * @param lineage       process keys, the process first then its ancestors: {@code pid:<n>} or {@code uuid:<u>}
 * @param sensorAction  Bulwark's sensor.action, null otherwise
 * @param nodeIncident  Bulwark's sensor.incident, null otherwise
 * @param commandKey    Bulwark's detail.node.command_key (the node's command queue key when not the hostname), null otherwise
 */
public record Signal(String source, String id, Instant time, String rule, Priority priority, double severity, String vector,
                     List<String> mitre, String node, String instanceId, String kernel, Map<String, String> runtimes,
                     String cluster, String containerId, String containerName, String image, String runtime,
                     ContainerInfo container, Facts facts, ContainerInfo.K8s k8s, List<String> lineage, String sensorAction,
                     String nodeIncident, String commandKey) {

    public static final String BULWARK = "bulwark";
    public static final String FALCO = "falco";
    public static final String GUARDDUTY = "guardduty";

    /**
     * Container facts from sources without a runtime view (null: not said).
     *
     * @param hostPaths host paths mounted in (GuardDuty volumes, Falco's container.mounts)
     */
    public record Facts(Boolean privileged, List<String> capabilities, List<String> hostPaths, List<String> hostNamespaces) {}
}
