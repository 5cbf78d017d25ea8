package io.bulwark.functions.triage;

import io.bulwark.contract.ClusterEscapeSurfaceReport;
import io.bulwark.contract.EscapeSurfaceReport;
import io.bulwark.functions.enrich.PodEnricher;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSystemInfo;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * What the Kubernetes API adds to an alert: the pod ({@link PodEnricher}: owner, security context,
 * hostPath volumes, host namespaces, PSS level) and the node (instance id from the provider id, kernel,
 * container runtime version, OS image). A failure is logged and leaves the alert as it came.
 */
public final class TriageEnricher {
    private static final Logger LOG = Logger.getLogger(TriageEnricher.class);

    /** What was found; any part may be null. */
    public record Found(ClusterEscapeSurfaceReport.Pod pod, String instanceId, String kernel, Map<String, String> runtimes, String os) {
        static final Found NOTHING = new Found(null, null, null, null, null);
    }

    private final KubernetesClient client;
    private final PodEnricher pods;

    /** {@code client} null: enrichment disabled. */
    public TriageEnricher(KubernetesClient client) {
        this.client = client;
        this.pods = new PodEnricher(client);
    }

    public Found enrich(Signal s) {
        if (client == null) {
            return Found.NOTHING;
        }
        ClusterEscapeSurfaceReport.Pod pod = null;
        if (s.k8s() != null && s.k8s().namespace() != null && s.k8s().pod() != null) {
            PodEnricher.Result r = pods.enrich(List.of(new EscapeSurfaceReport.ContainerRisk(s.containerId(), s.containerName(), s.runtime(),
                    s.image(), s.k8s(), 0, EscapeSurfaceReport.Band.LOW, List.of())));
            pod = r.pods().get(PodEnricher.key(s.k8s()));
        }
        String instance = null, kernel = null, os = null;
        Map<String, String> runtimes = null;
        if (s.node() != null && !s.node().startsWith("i-")) {
            try {
                Node n = client.nodes().withName(s.node()).get();
                if (n != null) {
                    String provider = n.getSpec() == null ? null : n.getSpec().getProviderID();
                    if (provider != null && provider.startsWith("aws:///")) {
                        instance = provider.substring(provider.lastIndexOf('/') + 1);
                    }
                    NodeSystemInfo info = n.getStatus() == null ? null : n.getStatus().getNodeInfo();
                    if (info != null) {
                        kernel = info.getKernelVersion();
                        os = info.getOsImage();
                        String rt = info.getContainerRuntimeVersion(); // containerd://1.7.11
                        if (rt != null && rt.contains("://")) {
                            runtimes = new LinkedHashMap<>();
                            runtimes.put(rt.substring(0, rt.indexOf("://")), rt.substring(rt.indexOf("://") + 3));
                        }
                    }
                }
            } catch (RuntimeException e) {
                LOG.warnf("triage: Kubernetes node %s not readable: %s", s.node(), e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        return new Found(pod, instance, kernel, runtimes, os);
    }
}
