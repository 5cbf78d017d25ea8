package io.bulwark.contract;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The EventBridge envelope of an {@link Incident} ({@code source: bulwark.triage},
 * {@code detail-type: Bulwark Incident}): what the respond function's rules match on. The envelope id
 * is the incident id and version, so a re-sent version has the same id. Field names follow
 * EventBridge exactly.
 */
public record IncidentEnvelope(
        String version,
        String id,
        @JsonProperty("detail-type") String detailType,
        String source,
        String account,
        String time,
        String region,
        List<String> resources,
        Incident detail) {

    public static IncidentEnvelope of(Incident incident, String account, String region) {
        List<String> resources = new java.util.ArrayList<>();
        resources.add("incident/" + incident.id());
        if (incident.node() != null && incident.node().instanceId() != null) {
            resources.add("ec2-instance/" + incident.node().instanceId());
        }
        if (incident.node() != null && incident.node().hostname() != null) {
            resources.add("node/" + incident.node().hostname());
        }
        if (incident.container() != null && incident.container().id() != null) {
            resources.add("container/" + incident.container().id());
        }
        if (incident.k8s() != null && incident.k8s().namespace() != null && incident.k8s().pod() != null) {
            resources.add("pod/" + incident.k8s().namespace() + "/" + incident.k8s().pod());
        }
        return new IncidentEnvelope("0", StableId.of("incident-event", incident.id(), incident.version()), Incident.DETAIL_TYPE,
                Incident.SOURCE, account, incident.updated(), region, List.copyOf(resources), incident);
    }
}
