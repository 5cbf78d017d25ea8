package io.bulwark.functions.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.functions.testing.Pods;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PSS levels computed from pod specs, one control at a time from a restricted pod. */
class PodSecurityStandardsTest {

    /** What the restricted profile asks for, and nothing else. */
    static PodBuilder restricted() {
        return new PodBuilder()
                .withNewMetadata().withNamespace("shop").withName("web").endMetadata()
                .withNewSpec()
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(1000L)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
                .addNewVolume().withName("cache").withNewEmptyDir().endEmptyDir().endVolume()
                .addNewContainer().withName("web").withImage("web:1")
                .withNewSecurityContext().withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withDrop("ALL").withAdd("NET_BIND_SERVICE").endCapabilities().endSecurityContext()
                .endContainer()
                .endSpec();
    }

    static PodSecurityStandards.Result eval(Pod p) {
        return PodSecurityStandards.evaluate(p);
    }

    @Test
    void restrictedPodIsRestricted() {
        PodSecurityStandards.Result r = eval(restricted().build());
        assertEquals("restricted", r.level(), r.violations().toString());
        assertEquals(List.of(), r.violations());
    }

    @Test
    void defaultPodIsBaselineWithTheRestrictedControlsItMisses() {
        Pod p = new PodBuilder().withNewMetadata().withName("plain").endMetadata()
                .withNewSpec().addNewContainer().withName("app").withImage("app:1").endContainer().endSpec().build();
        PodSecurityStandards.Result r = eval(p);
        assertEquals("baseline", r.level());
        assertEquals(List.of("restricted: Privilege Escalation (app: allowPrivilegeEscalation not false)",
                "restricted: Running as Non-root (app)", "restricted: Seccomp (app: not set)",
                "restricted: Capabilities (app does not drop ALL)"), r.violations());
    }

    @Test
    void eachBaselineControlMakesThePodPrivileged() {
        assertPrivileged(restricted().editSpec().withHostPID(true).endSpec().build(), "baseline: Host Namespaces (hostPID)");
        assertPrivileged(restricted().editSpec().withHostIPC(true).endSpec().build(), "baseline: Host Namespaces (hostIPC)");
        assertPrivileged(restricted().editSpec().editFirstContainer().editSecurityContext().withPrivileged(true)
                .endSecurityContext().endContainer().endSpec().build(), "baseline: Privileged Containers (web)");
        assertPrivileged(restricted().editSpec().editFirstContainer().editSecurityContext().editCapabilities().withAdd("SYS_ADMIN")
                .endCapabilities().endSecurityContext().endContainer().endSpec().build(), "baseline: Capabilities (web adds SYS_ADMIN)");
        assertPrivileged(restricted().editSpec().addNewVolume().withName("etc").withNewHostPath().withPath("/etc").endHostPath()
                .endVolume().endSpec().build(), "baseline: HostPath Volumes (etc: /etc)");
        assertPrivileged(restricted().editSpec().editFirstContainer().addNewPort().withContainerPort(80).withHostPort(80).endPort()
                .endContainer().endSpec().build(), "baseline: Host Ports (web: 80)");
        assertPrivileged(restricted().editSpec().editSecurityContext().withNewSeccompProfile().withType("Unconfined")
                .endSeccompProfile().endSecurityContext().endSpec().build(), "baseline: Seccomp (pod: Unconfined)");
        assertPrivileged(restricted().editSpec().editFirstContainer().editSecurityContext().withProcMount("Unmasked")
                .endSecurityContext().endContainer().endSpec().build(), "baseline: /proc Mount Type (web: Unmasked)");
        assertPrivileged(restricted().editSpec().editSecurityContext().addNewSysctl().withName("kernel.core_pattern").withValue("|/x")
                .endSysctl().endSecurityContext().endSpec().build(), "baseline: Sysctls (kernel.core_pattern)");
        assertPrivileged(restricted().editSpec().editSecurityContext().withNewSeLinuxOptions().withType("spc_t").endSeLinuxOptions()
                .endSecurityContext().endSpec().build(), "baseline: SELinux (pod)");
        assertPrivileged(restricted().editMetadata().addToAnnotations("container.apparmor.security.beta.kubernetes.io/web", "unconfined")
                .endMetadata().build(), "baseline: AppArmor (web: unconfined)");
    }

    @Test
    void initContainersCountLikeTheOthers() {
        Pod p = restricted().editSpec().addNewInitContainer().withName("setup").withImage("busybox")
                .withNewSecurityContext().withPrivileged(true).endSecurityContext().endInitContainer().endSpec().build();
        assertPrivileged(p, "baseline: Privileged Containers (setup)");
    }

    @Test
    void safeSysctlsAndBaselineCapabilitiesStayBaseline() {
        Pod p = restricted().editSpec().editSecurityContext().addNewSysctl().withName("net.ipv4.ping_group_range").withValue("0 1")
                .endSysctl().endSecurityContext()
                .editFirstContainer().editSecurityContext().editCapabilities().withAdd("CHOWN").endCapabilities().endSecurityContext()
                .endContainer().endSpec().build();
        PodSecurityStandards.Result r = eval(p);
        assertEquals("baseline", r.level());
        assertEquals(List.of("restricted: Capabilities (web adds CHOWN)"), r.violations());
    }

    @Test
    void fixturePodsAreWhatTheirSpecsSay() {
        PodSecurityStandards.Result agent = eval(Pods.nodeAgent());
        assertEquals("privileged", agent.level());
        assertTrue(agent.violations().containsAll(List.of("baseline: Host Namespaces (hostPID)", "baseline: Host Namespaces (hostNetwork)",
                "baseline: Privileged Containers (agent)", "baseline: HostPath Volumes (host-root: /)")), agent.violations().toString());
    }

    static void assertPrivileged(Pod p, String violation) {
        PodSecurityStandards.Result r = eval(p);
        assertEquals("privileged", r.level(), violation);
        assertEquals(List.of(violation), r.violations());
    }
}
