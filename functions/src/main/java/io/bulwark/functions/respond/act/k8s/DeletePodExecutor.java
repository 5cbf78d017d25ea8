package io.bulwark.functions.respond.act.k8s;

import io.bulwark.functions.respond.act.Params;
import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code k8s.delete-pod}: deletes the pod, only when the incident's evidence manifest is in the archive
 * ({@link EvidenceCheck}); without it the step fails and the pod stays. Irreversible.
 */
public final class DeletePodExecutor extends K8sExecutor {
    private final EvidenceCheck evidence;

    public DeletePodExecutor(KubernetesClient client, Set<String> protectedNamespaces, EvidenceCheck evidence) {
        super(client, protectedNamespaces);
        this.evidence = evidence;
    }

    @Override
    public String action() {
        return "k8s.delete-pod";
    }

    @Override
    public ActionResult execute(ActionRequest r) throws Exception {
        PodRef p = pod(r);
        if (p == null) return ActionResult.skipped("no pod in the event: nothing to delete");
        if (isProtected(p)) return ActionResult.failed("refused: namespace " + p.namespace() + " is protected; pod " + p + " not deleted");
        String firstSeen = firstSeen(r);
        Optional<String> manifest = evidence.manifest(r.incident(), firstSeen);
        if (manifest.isEmpty()) {
            return ActionResult.failed("refused: no evidence manifest recorded for incident " + r.incident() + " yet; pod " + p
                    + " not deleted (evidence before destruction)");
        }
        Pod pod = client.pods().inNamespace(p.namespace()).withName(p.name()).get();
        if (pod == null) return ActionResult.skipped("pod " + p + " does not exist (any more)");
        Duration grace = Params.duration(r, "grace_period", Duration.ZERO);
        client.pods().inNamespace(p.namespace()).withName(p.name()).withGracePeriod(grace.toSeconds()).delete();
        return ActionResult.done("pod " + p + " deleted (grace " + grace.toSeconds() + "s); evidence at " + manifest.get(),
                Map.of("evidence", manifest.get(), "uid", String.valueOf(pod.getMetadata().getUid())));
    }

    static String firstSeen(ActionRequest r) {
        var d = r.event().path("detail");
        for (var n : java.util.List.of(d.path("first_seen"), d.path("time"), r.event().path("time"))) {
            if (n.isTextual() && !n.asText().isBlank()) return n.asText();
        }
        return null;
    }
}
