package io.bulwark.functions.respond.act.k8s;

import io.bulwark.response.action.ActionExecutor;
import io.bulwark.response.action.ActionRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Set;

/**
 * Kubernetes executors (fabric8). They refuse a protected namespace themselves as well (the responder already does,
 * from the event's {@code detail.k8s.namespace}; the target is checked again here so a wrong event shape cannot
 * reach kube-system).
 */
public abstract class K8sExecutor implements ActionExecutor {
    /** The quarantine label's key (k8s.quarantine-label's default). */
    public static final String QUARANTINE_LABEL = "bulwark.dev/quarantine";

    protected final KubernetesClient client;
    protected final Set<String> protectedNamespaces;

    protected K8sExecutor(KubernetesClient client, Set<String> protectedNamespaces) {
        this.client = client;
        this.protectedNamespaces = Set.copyOf(protectedNamespaces);
    }

    /** namespace and name of a {@code pod/NS/NAME} target. */
    protected record PodRef(String namespace, String name) {
        @Override
        public String toString() {
            return namespace + "/" + name;
        }
    }

    /** The pod of the request, or null when the target is not a pod. */
    protected static PodRef pod(ActionRequest r) {
        String t = r.target();
        if (t == null || !t.startsWith("pod/")) return null;
        String[] p = t.substring(4).split("/", 2);
        return p.length == 2 && !p[0].isEmpty() && !p[1].isEmpty() ? new PodRef(p[0], p[1]) : null;
    }

    protected boolean isProtected(PodRef p) {
        return protectedNamespaces.contains(p.namespace());
    }

    /** A label value made from the incident id: at most 63 of [A-Za-z0-9._-], starting and ending alphanumeric. */
    public static String labelValue(String incident) {
        String v = incident == null ? "unknown" : incident.replaceAll("[^A-Za-z0-9._-]", "-");
        if (v.length() > 63) v = v.substring(0, 63);
        v = v.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
        return v.isEmpty() ? "incident" : v;
    }
}
