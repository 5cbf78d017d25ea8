package io.bulwark.functions.respond.act.k8s;

import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.Set;

/** {@code k8s.cordon}: marks the node unschedulable; undo uncordons it unless it was cordoned before. */
public final class CordonExecutor extends K8sExecutor {
    public CordonExecutor(KubernetesClient client, Set<String> protectedNamespaces) {
        super(client, protectedNamespaces);
    }

    @Override
    public String action() {
        return "k8s.cordon";
    }

    static String nodeName(ActionRequest r) {
        String t = r.target();
        return t != null && t.startsWith("node/") && t.length() > 5 ? t.substring(5) : null;
    }

    @Override
    public ActionResult execute(ActionRequest r) {
        String name = nodeName(r);
        if (name == null) return ActionResult.skipped("no node in the event: nothing to cordon");
        Node node = client.nodes().withName(name).get();
        if (node == null) return ActionResult.skipped("node " + name + " is not a node of this cluster");
        boolean before = node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
        if (!before) {
            client.nodes().withName(name).edit(n -> new NodeBuilder(n).editOrNewSpec().withUnschedulable(true).endSpec().build());
        }
        return ActionResult.done(before ? "node " + name + " was already cordoned" : "node " + name + " cordoned",
                Map.of("node", name, "was_unschedulable", before));
    }

    @Override
    public ActionResult undo(ActionRequest r, ActionResult done) {
        String name = nodeName(r);
        if (name == null) return ActionResult.skipped("no node target recorded");
        if ("true".equals(String.valueOf(done.details().get("was_unschedulable")))) {
            return ActionResult.skipped("node " + name + " was cordoned before the incident: left cordoned");
        }
        Node node = client.nodes().withName(name).get();
        if (node == null) return ActionResult.skipped("node " + name + " is gone");
        client.nodes().withName(name).edit(n -> new NodeBuilder(n).editOrNewSpec().withUnschedulable(false).endSpec().build());
        return ActionResult.done("node " + name + " uncordoned");
    }
}
