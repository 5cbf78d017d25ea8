package io.bulwark.response.action;

import com.fasterxml.jackson.databind.JsonNode;

/** What an action acts on, and how the target is read from the event (the alert envelope or an incident). */
public enum TargetKind {
    /** {@code container/<detail.container.id>} */
    CONTAINER,
    /** {@code pod/<detail.k8s.namespace>/<detail.k8s.pod>} */
    POD,
    /** {@code node/<detail.node.hostname>} */
    NODE,
    /** {@code ec2-instance/<detail.node.instance_id>} */
    INSTANCE,
    /** {@code ec2-instance/<detail.node.instance_id>/role}: the instance profile's role */
    INSTANCE_ROLE,
    /** {@code incident/<incident id>}: notifications, exports and approvals are about the incident */
    INCIDENT;

    /**
     * The target named by the event, or null when the event does not name one (a host alert has no
     * container, a node outside EC2 has no instance id, a container outside Kubernetes has no pod).
     */
    public String resolve(JsonNode event, String incident) {
        JsonNode d = event.path("detail");
        return switch (this) {
            case CONTAINER -> text(d.path("container").path("id"), "container/");
            case POD -> {
                String ns = textOrNull(d.path("k8s").path("namespace"));
                String pod = textOrNull(d.path("k8s").path("pod"));
                yield ns == null || pod == null ? null : "pod/" + ns + "/" + pod;
            }
            case NODE -> text(d.path("node").path("hostname"), "node/");
            case INSTANCE -> text(d.path("node").path("instance_id"), "ec2-instance/");
            case INSTANCE_ROLE -> {
                String i = text(d.path("node").path("instance_id"), "ec2-instance/");
                yield i == null ? null : i + "/role";
            }
            case INCIDENT -> incident == null ? null : "incident/" + incident;
        };
    }

    private static String text(JsonNode n, String prefix) {
        String s = textOrNull(n);
        return s == null ? null : prefix + s;
    }

    private static String textOrNull(JsonNode n) {
        return n.isTextual() && !n.asText().isEmpty() ? n.asText() : null;
    }
}
