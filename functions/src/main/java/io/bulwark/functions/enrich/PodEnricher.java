package io.bulwark.functions.enrich;

import io.bulwark.contract.ClusterEscapeSurfaceReport.Enrichment;
import io.bulwark.contract.ClusterEscapeSurfaceReport.HostPathVolume;
import io.bulwark.contract.ClusterEscapeSurfaceReport.Owner;
import io.bulwark.contract.ClusterEscapeSurfaceReport.SecurityContext;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.EscapeSurfaceReport.ContainerRisk;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Adds what only the Kubernetes API knows to the containers of a node report: owner, service
 * account, pod securityContext, hostPath volumes, host namespaces and the Pod Security Standards
 * level. One GET per pod (plus one per ReplicaSet/Job to find its Deployment/CronJob). The first
 * failing call stops the enrichment (an unreachable API must not cost a timeout per pod): that
 * pod is "error", the ones not yet asked "skipped", and the report is stored all the same.
 */
public final class PodEnricher {
    private static final Logger LOG = Logger.getLogger(PodEnricher.class);

    private final KubernetesClient client;

    /** {@code client} null: enrichment disabled. */
    public PodEnricher(KubernetesClient client) {
        this.client = client;
    }

    /** Pod facts keyed by {@link #key(ContainerInfo.K8s)}, and the summary the cluster report records. */
    public record Result(Map<String, io.bulwark.contract.ClusterEscapeSurfaceReport.Pod> pods, Enrichment summary) {}

    public static String key(ContainerInfo.K8s k8s) {
        return k8s == null || k8s.namespace() == null || k8s.pod() == null ? null : k8s.namespace() + "/" + k8s.pod();
    }

    public Result enrich(List<ContainerRisk> containers) {
        Map<String, ContainerInfo.K8s> wanted = new LinkedHashMap<>();
        for (ContainerRisk c : containers) {
            String k = key(c.k8s());
            if (k != null) {
                wanted.putIfAbsent(k, c.k8s());
            }
        }
        if (client == null) {
            return new Result(Map.of(), new Enrichment("disabled", null, wanted.size(), 0, 0, 0));
        }
        if (wanted.isEmpty()) {
            return new Result(Map.of(), new Enrichment("none", null, 0, 0, 0, 0));
        }
        Map<String, io.bulwark.contract.ClusterEscapeSurfaceReport.Pod> out = new LinkedHashMap<>();
        int found = 0, notFound = 0, failed = 0;
        String error = null;
        for (Map.Entry<String, ContainerInfo.K8s> e : wanted.entrySet()) {
            ContainerInfo.K8s k8s = e.getValue();
            String now = Instant.now().toString();
            if (error != null) {
                out.put(e.getKey(), io.bulwark.contract.ClusterEscapeSurfaceReport.Pod.status("skipped", k8s.namespace(), k8s.pod(),
                        "not asked after an earlier Kubernetes API failure", now));
                failed++;
                continue;
            }
            try {
                Pod pod = client.pods().inNamespace(k8s.namespace()).withName(k8s.pod()).get();
                if (pod == null) {
                    out.put(e.getKey(), io.bulwark.contract.ClusterEscapeSurfaceReport.Pod.status("not-found", k8s.namespace(), k8s.pod(), null, now));
                    notFound++;
                } else if (k8s.podUid() != null && pod.getMetadata().getUid() != null && !k8s.podUid().equals(pod.getMetadata().getUid())) {
                    out.put(e.getKey(), io.bulwark.contract.ClusterEscapeSurfaceReport.Pod.status("replaced", k8s.namespace(), k8s.pod(),
                            "the API's pod of that name has uid " + pod.getMetadata().getUid() + ", the container's pod had " + k8s.podUid(), now));
                    notFound++;
                } else {
                    out.put(e.getKey(), describe(pod, now));
                    found++;
                }
            } catch (RuntimeException ex) {
                error = ex.getClass().getSimpleName() + ": " + firstLine(ex.getMessage());
                LOG.warnf("Kubernetes API failed for pod %s/%s, enrichment stopped: %s", k8s.namespace(), k8s.pod(), error);
                out.put(e.getKey(), io.bulwark.contract.ClusterEscapeSurfaceReport.Pod.status("error", k8s.namespace(), k8s.pod(), error, now));
                failed++;
            }
        }
        String status = error != null ? "error" : notFound > 0 ? "partial" : "ok";
        return new Result(out, new Enrichment(status, error, wanted.size(), found, notFound, failed));
    }

    io.bulwark.contract.ClusterEscapeSurfaceReport.Pod describe(Pod pod, String now) {
        PodSpec spec = pod.getSpec() == null ? new PodSpec() : pod.getSpec();
        PodSecurityStandards.Result pss = PodSecurityStandards.evaluate(pod);
        return new io.bulwark.contract.ClusterEscapeSurfaceReport.Pod("found", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                pod.getMetadata().getUid(), owner(pod), spec.getServiceAccountName(), securityContext(spec.getSecurityContext()),
                hostPaths(spec), Boolean.TRUE.equals(spec.getHostPID()), Boolean.TRUE.equals(spec.getHostNetwork()),
                Boolean.TRUE.equals(spec.getHostIPC()), pss.level(), pss.violations(), null, now);
    }

    /** Follows controller references up to two hops: Pod → ReplicaSet → Deployment, Pod → Job → CronJob. */
    private Owner owner(Pod pod) {
        OwnerReference ref = controller(pod);
        if (ref == null) {
            return null;
        }
        String ns = pod.getMetadata().getNamespace();
        List<String> chain = new ArrayList<>();
        chain.add(ref.getKind() + "/" + ref.getName());
        OwnerReference top = ref;
        HasMetadata parent = null;
        try {
            if ("ReplicaSet".equals(ref.getKind())) {
                parent = client.apps().replicaSets().inNamespace(ns).withName(ref.getName()).get();
            } else if ("Job".equals(ref.getKind())) {
                parent = client.batch().v1().jobs().inNamespace(ns).withName(ref.getName()).get();
            }
        } catch (RuntimeException e) {
            // the pod is known; an owner we cannot read stays at its first hop
            LOG.debugf("owner %s/%s of pod %s not readable: %s", ref.getKind(), ref.getName(), pod.getMetadata().getName(), e.getMessage());
        }
        OwnerReference up = parent == null ? null : controller(parent);
        if (up != null) {
            chain.add(up.getKind() + "/" + up.getName());
            top = up;
        }
        return new Owner(top.getKind(), top.getName(), List.copyOf(chain));
    }

    private static OwnerReference controller(HasMetadata m) {
        List<OwnerReference> refs = m.getMetadata() == null ? null : m.getMetadata().getOwnerReferences();
        if (refs == null || refs.isEmpty()) {
            return null;
        }
        return refs.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst().orElse(refs.get(0));
    }

    private static SecurityContext securityContext(PodSecurityContext p) {
        if (p == null) {
            return null;
        }
        String seccomp = p.getSeccompProfile() == null ? null
                : p.getSeccompProfile().getLocalhostProfile() == null ? p.getSeccompProfile().getType()
                : p.getSeccompProfile().getType() + ":" + p.getSeccompProfile().getLocalhostProfile();
        String apparmor = p.getAppArmorProfile() == null ? null
                : p.getAppArmorProfile().getLocalhostProfile() == null ? p.getAppArmorProfile().getType()
                : p.getAppArmorProfile().getType() + ":" + p.getAppArmorProfile().getLocalhostProfile();
        return new SecurityContext(p.getRunAsUser(), p.getRunAsGroup(), p.getRunAsNonRoot(), p.getFsGroup(),
                p.getSupplementalGroups() == null || p.getSupplementalGroups().isEmpty() ? null : List.copyOf(p.getSupplementalGroups()),
                seccomp, apparmor, p.getSeLinuxOptions() == null ? null : p.getSeLinuxOptions().getType(),
                p.getSysctls() == null || p.getSysctls().isEmpty() ? null
                        : p.getSysctls().stream().map(s -> s.getName() + "=" + s.getValue()).toList());
    }

    private static List<HostPathVolume> hostPaths(PodSpec spec) {
        List<HostPathVolume> out = new ArrayList<>();
        if (spec.getVolumes() == null) {
            return out;
        }
        List<Container> all = new ArrayList<>();
        if (spec.getInitContainers() != null) {
            all.addAll(spec.getInitContainers());
        }
        if (spec.getContainers() != null) {
            all.addAll(spec.getContainers());
        }
        spec.getVolumes().stream().filter(v -> v.getHostPath() != null).forEach(v -> {
            List<String> by = new ArrayList<>();
            for (Container c : all) {
                for (VolumeMount m : c.getVolumeMounts() == null ? List.<VolumeMount>of() : c.getVolumeMounts()) {
                    if (v.getName().equals(m.getName())) {
                        by.add(c.getName() + ":" + m.getMountPath() + (Boolean.TRUE.equals(m.getReadOnly()) ? " (ro)" : " (rw)"));
                    }
                }
            }
            String type = v.getHostPath().getType();
            out.add(new HostPathVolume(v.getName(), v.getHostPath().getPath(), type == null || type.isEmpty() ? null : type, List.copyOf(by)));
        });
        return out;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
