package io.bulwark.sensor.enrich;

import io.bulwark.contract.ContainerInfo;
import java.util.Map;

/** Names and Kubernetes pods from runtime annotations (and Docker labels): one place for every key. */
final class Attribution {
    // containerd's CRI plugin
    static final String CRI_CONTAINER_TYPE = "io.kubernetes.cri.container-type";
    static final String CRI_CONTAINER_NAME = "io.kubernetes.cri.container-name";
    static final String CRI_SANDBOX_NAME = "io.kubernetes.cri.sandbox-name";
    static final String CRI_SANDBOX_NAMESPACE = "io.kubernetes.cri.sandbox-namespace";
    static final String CRI_SANDBOX_UID = "io.kubernetes.cri.sandbox-uid";
    static final String CRI_IMAGE_NAME = "io.kubernetes.cri.image-name";
    // CRI-O, and the kubelet's labels on dockershim / cri-dockerd containers
    static final String K8S_CONTAINER_NAME = "io.kubernetes.container.name";
    static final String K8S_POD_NAME = "io.kubernetes.pod.name";
    static final String K8S_POD_NAMESPACE = "io.kubernetes.pod.namespace";
    static final String K8S_POD_UID = "io.kubernetes.pod.uid";
    static final String CRIO_CONTAINER_TYPE = "io.kubernetes.cri-o.ContainerType";
    static final String CRIO_NAME = "io.kubernetes.cri-o.Name";
    static final String CRIO_IMAGE_NAME = "io.kubernetes.cri-o.ImageName";
    // Podman (which also sets a few io.kubernetes.cri-o.* keys, so it is checked first)
    static final String CONTAINER_MANAGER = "io.container.manager";

    private Attribution() {}

    /** The runtime that really manages a container found in a plain runc or crun root. */
    static String manager(String lowLevelRuntime, Map<String, String> annotations) {
        if ("libpod".equals(annotations.get(CONTAINER_MANAGER))) {
            return "podman";
        }
        if (annotations.containsKey(CRIO_CONTAINER_TYPE) || annotations.containsKey(CRIO_NAME)) {
            return "cri-o";
        }
        return lowLevelRuntime;
    }

    /** Pod attribution from CRI annotations or kubelet labels; null outside Kubernetes. */
    static ContainerInfo.K8s k8s(Map<String, String> a) {
        if (a.containsKey(CRI_SANDBOX_NAME) || a.containsKey(CRI_SANDBOX_NAMESPACE)) {
            String container = "sandbox".equals(a.get(CRI_CONTAINER_TYPE)) ? null : a.get(CRI_CONTAINER_NAME);
            return new ContainerInfo.K8s(a.get(CRI_SANDBOX_NAMESPACE), a.get(CRI_SANDBOX_NAME), a.get(CRI_SANDBOX_UID),
                    container);
        }
        if (a.containsKey(K8S_POD_NAME) || a.containsKey(K8S_POD_NAMESPACE)) {
            return new ContainerInfo.K8s(a.get(K8S_POD_NAMESPACE), a.get(K8S_POD_NAME), a.get(K8S_POD_UID),
                    a.get(K8S_CONTAINER_NAME));
        }
        return null;
    }

    /** The name to show: the Kubernetes container name, else the pod name (sandboxes), else the fallback. */
    static String name(ContainerInfo.K8s k8s, String fallback) {
        if (k8s != null && k8s.containerName() != null) {
            return k8s.containerName();
        }
        if (k8s != null && k8s.pod() != null) {
            return k8s.pod();
        }
        return fallback;
    }

    /** The image reference CRI runtimes record, or null. */
    static String image(Map<String, String> a) {
        String image = a.get(CRI_IMAGE_NAME);
        return image != null ? image : a.get(CRIO_IMAGE_NAME);
    }
}
