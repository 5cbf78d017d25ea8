package io.bulwark.functions.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.util.Objects;

/**
 * The pod's spec and events from the Kubernetes API (fabric8): the Pod object as the API returns it
 * (spec, status, metadata with its uid), core/v1 Events whose involvedObject is the pod, and
 * events.k8s.io/v1 Events whose regarding object is the pod. Events are listed in the pod's namespace
 * and matched by kind, name (and uid when both have one): Kubernetes keeps them about an hour, so the
 * list is small, and the match does not depend on field-selector support.
 *
 * <p>RBAC: get on pods, list on events (core) and events.events.k8s.io in the incident's namespaces.
 */
public final class PodEvidence {
    private final KubernetesClient client;

    public PodEvidence(KubernetesClient client) {
        this.client = client;
    }

    /** The pod as JSON, or null when the API has no such pod (deleted already). */
    public JsonNode pod(String namespace, String name) throws IOException {
        Pod p = client.pods().inNamespace(namespace).withName(name).get();
        return p == null ? null : Json.mapper().readTree(Serialization.asJson(p));
    }

    /** {"core_v1": [...], "events_k8s_io_v1": [...]} for the pod, oldest first as the API lists them. */
    public ObjectNode events(String namespace, String name, String uid) throws IOException {
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("namespace", namespace);
        out.put("pod", name);
        out.put("pod_uid", uid);
        ArrayNode core = out.putArray("core_v1");
        for (Event e : client.v1().events().inNamespace(namespace).list().getItems()) {
            var o = e.getInvolvedObject();
            if (o != null && "Pod".equals(o.getKind()) && name.equals(o.getName()) && sameUid(uid, o.getUid())) {
                core.add(Json.mapper().readTree(Serialization.asJson(e)));
            }
        }
        ArrayNode k8sio = out.putArray("events_k8s_io_v1");
        for (io.fabric8.kubernetes.api.model.events.v1.Event e : client.events().v1().events().inNamespace(namespace).list().getItems()) {
            var o = e.getRegarding();
            if (o != null && "Pod".equals(o.getKind()) && name.equals(o.getName()) && sameUid(uid, o.getUid())) {
                k8sio.add(Json.mapper().readTree(Serialization.asJson(e)));
            }
        }
        return out;
    }

    private static boolean sameUid(String podUid, String eventUid) {
        return podUid == null || eventUid == null || Objects.equals(podUid, eventUid);
    }
}
