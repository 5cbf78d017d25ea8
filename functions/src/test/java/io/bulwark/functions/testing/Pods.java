package io.bulwark.functions.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The pods behind {@code fixtures/report-k8s-node.json}, created in the Kubernetes mock server
 * (CRUD mode): the CI runner (Deployment → ReplicaSet → Pod, docker.sock hostPath) and the node
 * agent (DaemonSet, privileged, host PID and network). payments/api-7c9d5b8f4-q2w3e is left out:
 * the API "no longer has" it.
 */
public final class Pods {
    private Pods() {}

    public static Pod runner() {
        return new PodBuilder()
                .withNewMetadata().withNamespace("ci").withName("runner-5f7d9c8b6-abcde")
                .addNewOwnerReference().withApiVersion("apps/v1").withKind("ReplicaSet").withName("runner-5f7d9c8b6")
                .withUid("a1b2c3d4-0000-4000-8000-000000000001").withController(true).endOwnerReference()
                .endMetadata()
                .withNewSpec()
                .withServiceAccountName("ci-runner")
                .withNewSecurityContext().withRunAsUser(1000L).withFsGroup(2000L)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
                .addNewVolume().withName("docker-sock").withNewHostPath().withPath("/var/run/docker.sock").withType("Socket").endHostPath().endVolume()
                .addNewVolume().withName("work").withNewEmptyDir().endEmptyDir().endVolume()
                .addNewContainer().withName("runner").withImage("registry.example.com/ci/runner:17.5")
                .addNewVolumeMount().withName("docker-sock").withMountPath("/var/run/docker.sock").endVolumeMount()
                .addNewVolumeMount().withName("work").withMountPath("/work").endVolumeMount()
                .endContainer()
                .endSpec().build();
    }

    public static Pod nodeAgent() {
        return new PodBuilder()
                .withNewMetadata().withNamespace("monitoring").withName("node-agent-x7k2p")
                .addNewOwnerReference().withApiVersion("apps/v1").withKind("DaemonSet").withName("node-agent")
                .withUid("a1b2c3d4-0000-4000-8000-000000000002").withController(true).endOwnerReference()
                .endMetadata()
                .withNewSpec()
                .withServiceAccountName("node-agent").withHostPID(true).withHostNetwork(true)
                .addNewVolume().withName("host-root").withNewHostPath().withPath("/").endHostPath().endVolume()
                .addNewContainer().withName("agent").withImage("registry.example.com/monitoring/node-agent:2.4.1")
                .withNewSecurityContext().withPrivileged(true).endSecurityContext()
                .addNewVolumeMount().withName("host-root").withMountPath("/host").withReadOnly(true).endVolumeMount()
                .endContainer()
                .endSpec().build();
    }

    /** Creates the namespaces, the ReplicaSet and both pods unless present; returns the runner pod as stored (with its uid). */
    public static Pod seed(KubernetesClient k8s) {
        for (String ns : new String[] {"ci", "monitoring"}) {
            if (k8s.namespaces().withName(ns).get() == null) {
                k8s.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
            }
        }
        if (k8s.apps().replicaSets().inNamespace("ci").withName("runner-5f7d9c8b6").get() == null) {
            k8s.apps().replicaSets().inNamespace("ci").resource(new ReplicaSetBuilder()
                    .withNewMetadata().withNamespace("ci").withName("runner-5f7d9c8b6")
                    .addNewOwnerReference().withApiVersion("apps/v1").withKind("Deployment").withName("runner")
                    .withUid("a1b2c3d4-0000-4000-8000-000000000003").withController(true).endOwnerReference()
                    .endMetadata().build()).create();
        }
        createIfAbsent(k8s, nodeAgent());
        return createIfAbsent(k8s, runner());
    }

    private static Pod createIfAbsent(KubernetesClient k8s, Pod pod) {
        HasMetadata m = pod;
        Pod existing = k8s.pods().inNamespace(m.getMetadata().getNamespace()).withName(m.getMetadata().getName()).get();
        return existing != null ? existing : k8s.pods().inNamespace(m.getMetadata().getNamespace()).resource(pod).create();
    }
}
