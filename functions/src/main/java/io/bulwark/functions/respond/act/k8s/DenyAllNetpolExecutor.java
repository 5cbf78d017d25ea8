package io.bulwark.functions.respond.act.k8s;

import io.bulwark.functions.respond.act.Params;
import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code k8s.deny-all-netpol}: a NetworkPolicy in the pod's namespace selecting the pod by the quarantine label
 * ({@code bulwark.dev/quarantine=<incident>}), with policy types Ingress and Egress and no rules: all traffic denied
 * (optionally DNS to kube-dns kept). The pod gets the label when it does not have it yet (recorded, and removed
 * again on undo). Undo deletes the policy.
 */
public final class DenyAllNetpolExecutor extends K8sExecutor {
    public DenyAllNetpolExecutor(KubernetesClient client, Set<String> protectedNamespaces) {
        super(client, protectedNamespaces);
    }

    @Override
    public String action() {
        return "k8s.deny-all-netpol";
    }

    static String policyName(String prefix, String pod) {
        String n = (prefix == null ? "bulwark-quarantine-" : prefix) + pod;
        n = n.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
        if (n.length() > 253) n = n.substring(0, 253);
        return n.replaceAll("[^a-z0-9]+$", "");
    }

    @Override
    public ActionResult execute(ActionRequest r) {
        PodRef p = pod(r);
        if (p == null) return ActionResult.skipped("no pod in the event: no policy to create");
        if (isProtected(p)) return ActionResult.failed("refused: namespace " + p.namespace() + " is protected; no policy for pod " + p);
        Pod pod = client.pods().inNamespace(p.namespace()).withName(p.name()).get();
        if (pod == null) return ActionResult.skipped("pod " + p + " does not exist (any more)");
        String value = labelValue(r.incident());
        boolean labelled = pod.getMetadata().getLabels() != null && value.equals(pod.getMetadata().getLabels().get(QUARANTINE_LABEL));
        if (!labelled) {
            client.pods().inNamespace(p.namespace()).withName(p.name())
                    .edit(x -> new PodBuilder(x).editMetadata().addToLabels(QUARANTINE_LABEL, value).endMetadata().build());
        }
        String name = policyName(Params.string(r, "name_prefix"), p.name());
        List<NetworkPolicyEgressRule> egress = new ArrayList<>();
        boolean dns = Params.bool(r, "allow_dns", false);
        if (dns) {
            egress.add(new NetworkPolicyEgressRuleBuilder()
                    .addNewTo().withNewNamespaceSelector().addToMatchLabels("kubernetes.io/metadata.name", "kube-system").endNamespaceSelector()
                    .withNewPodSelector().addToMatchLabels("k8s-app", "kube-dns").endPodSelector().endTo()
                    .addNewPort().withProtocol("UDP").withPort(new IntOrString(53)).endPort()
                    .addNewPort().withProtocol("TCP").withPort(new IntOrString(53)).endPort()
                    .build());
        }
        NetworkPolicy np = new NetworkPolicyBuilder()
                .withNewMetadata().withName(name).withNamespace(p.namespace())
                .addToLabels("app.kubernetes.io/managed-by", "bulwark").addToLabels(QUARANTINE_LABEL, value)
                .addToAnnotations("bulwark.dev/incident", r.incident()).addToAnnotations("bulwark.dev/pod", p.name())
                .endMetadata()
                .withNewSpec().withNewPodSelector().addToMatchLabels(QUARANTINE_LABEL, value).endPodSelector()
                .withPolicyTypes("Ingress", "Egress").withIngress(List.of()).withEgress(egress).endSpec()
                .build();
        client.network().v1().networkPolicies().inNamespace(p.namespace()).resource(np).createOr(x -> x.update());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("namespace", p.namespace());
        d.put("policy", name);
        d.put("selector", QUARANTINE_LABEL + "=" + value);
        d.put("label_added", !labelled);
        return ActionResult.done("NetworkPolicy " + p.namespace() + "/" + name + " denies all ingress and egress" + (dns ? " except DNS" : "")
                + " for pods with " + QUARANTINE_LABEL + "=" + value, d);
    }

    @Override
    public ActionResult undo(ActionRequest r, ActionResult done) {
        PodRef p = pod(r);
        if (p == null) return ActionResult.skipped("no pod target recorded");
        String name = String.valueOf(done.details().getOrDefault("policy", policyName(null, p.name())));
        client.network().v1().networkPolicies().inNamespace(p.namespace()).withName(name).delete();
        String extra = "";
        if (Boolean.TRUE.equals(done.details().get("label_added")) || "true".equals(String.valueOf(done.details().get("label_added")))) {
            Pod pod = client.pods().inNamespace(p.namespace()).withName(p.name()).get();
            if (pod != null) {
                client.pods().inNamespace(p.namespace()).withName(p.name())
                        .edit(x -> new PodBuilder(x).editMetadata().removeFromLabels(QUARANTINE_LABEL).endMetadata().build());
                extra = "; label " + QUARANTINE_LABEL + " it added removed";
            }
        }
        return ActionResult.done("NetworkPolicy " + p.namespace() + "/" + name + " deleted" + extra);
    }
}
