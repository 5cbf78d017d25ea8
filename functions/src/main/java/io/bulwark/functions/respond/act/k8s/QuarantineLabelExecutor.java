package io.bulwark.functions.respond.act.k8s;

import io.bulwark.functions.respond.act.Params;
import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code k8s.quarantine-label}: labels the pod {@code bulwark.dev/quarantine=<incident>}; undo removes the label (or restores an earlier value). */
public final class QuarantineLabelExecutor extends K8sExecutor {
    public QuarantineLabelExecutor(KubernetesClient client, Set<String> protectedNamespaces) {
        super(client, protectedNamespaces);
    }

    @Override
    public String action() {
        return "k8s.quarantine-label";
    }

    @Override
    public ActionResult execute(ActionRequest r) {
        PodRef p = pod(r);
        if (p == null) return ActionResult.skipped("no pod in the event: nothing to label");
        if (isProtected(p)) return ActionResult.failed("refused: namespace " + p.namespace() + " is protected; pod " + p + " not labelled");
        String key = Params.string(r, "label") == null ? QUARANTINE_LABEL : Params.string(r, "label");
        String value = labelValue(r.incident());
        Pod pod = client.pods().inNamespace(p.namespace()).withName(p.name()).get();
        if (pod == null) return ActionResult.skipped("pod " + p + " does not exist (any more)");
        String before = pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(key);
        client.pods().inNamespace(p.namespace()).withName(p.name())
                .edit(x -> new PodBuilder(x).editMetadata().addToLabels(key, value).endMetadata().build());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("label", key);
        d.put("value", value);
        if (before != null) d.put("previous", before);
        return ActionResult.done("pod " + p + " labelled " + key + "=" + value, d);
    }

    @Override
    public ActionResult undo(ActionRequest r, ActionResult done) {
        PodRef p = pod(r);
        if (p == null) return ActionResult.skipped("no pod target recorded");
        String key = String.valueOf(done.details().getOrDefault("label", QUARANTINE_LABEL));
        Object previous = done.details().get("previous");
        Pod pod = client.pods().inNamespace(p.namespace()).withName(p.name()).get();
        if (pod == null) return ActionResult.skipped("pod " + p + " is gone: no label to remove");
        client.pods().inNamespace(p.namespace()).withName(p.name()).edit(x -> {
            PodBuilder b = new PodBuilder(x);
            if (previous == null) b.editMetadata().removeFromLabels(key).endMetadata();
            else b.editMetadata().addToLabels(key, previous.toString()).endMetadata();
            return b.build();
        });
        return ActionResult.done(previous == null ? "label " + key + " removed from pod " + p : "label " + key + " restored to " + previous + " on pod " + p);
    }
}
