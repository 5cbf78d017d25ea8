package io.bulwark.sensor.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.EscapeSurfaceReport.Band;
import io.bulwark.contract.EscapeSurfaceReport.ContainerRisk;
import io.bulwark.contract.EscapeSurfaceReport.Factor;
import io.bulwark.sensor.enrich.ContainerResolver;
import io.bulwark.sensor.testing.RuncContainer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real runc containers with each escape factor (and none) scored with the default weights. */
@Tag("containers")
@Timeout(120)
class EscapeSurfaceAuditRuncTest {
    /** What every runc-spec container has: no seccomp, no MAC profile, root, no user namespace (docs/audit.md). */
    static final List<String> BASELINE = List.of("no-seccomp", "mac-unconfined", "run-as-root", "no-user-namespace");

    static ContainerRisk audit(RuncContainer c) {
        ContainerResolver resolver = new ContainerResolver();
        AuditService service = new AuditService(resolver, Weights.defaults());
        resolver.refresh();
        ContainerInfo info = resolver.byId(c.id()).orElseThrow(() -> new AssertionError("resolver misses " + c));
        return service.assess(info);
    }

    static List<String> ids(ContainerRisk r) {
        return r.factors().stream().map(Factor::id).toList();
    }

    static Factor factor(ContainerRisk r, String id) {
        return r.factors().stream().filter(f -> f.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no factor " + id + " in " + ids(r)));
    }

    @Test
    void defaultContainerIsMediumWithOnlyTheBaselineFactors() {
        try (RuncContainer c = RuncContainer.builder().start()) {
            ContainerRisk r = audit(c);
            assertEquals(BASELINE, ids(r));
            assertEquals(15 + 5 + 10 + 5, r.score());
            assertEquals(Band.MEDIUM, r.band());
        }
    }

    @Test
    void seccompAndNonRootUserMakeADefaultContainerLow() {
        try (RuncContainer c = RuncContainer.builder().seccompDenying("keyctl", "add_key").user(1000).start()) {
            ContainerRisk r = audit(c);
            assertEquals(List.of("mac-unconfined", "no-user-namespace"), ids(r));
            assertEquals(10, r.score());
            assertEquals(Band.LOW, r.band());
        }
    }

    @Test
    void privilegedContainerIsHighWithThePrivilegedFactorInsteadOfCapabilities() {
        try (RuncContainer c = RuncContainer.builder().privileged().start()) {
            ContainerRisk r = audit(c);
            assertEquals(Band.HIGH, r.band());
            // no cap-*, writable-sysfs, unmasked-proc or devices-exposed: privileged implies them
            assertEquals(List.of("privileged", "no-seccomp", "mac-unconfined", "run-as-root", "no-user-namespace"), ids(r));
            assertTrue(factor(r, "privileged").evidence().contains("/sys writable"), factor(r, "privileged").evidence());
            assertEquals(60 + 35, r.score());
        }
    }

    @Test
    void privilegedIsHighEvenWhenWeightsWouldSayLow() {
        Weights tiny = Weights.parse("test", "weights:\n  privileged: 1\n  no-seccomp: 0\n  mac-unconfined: 0\n"
                + "  run-as-root: 0\n  no-user-namespace: 0\n", Weights.defaults());
        try (RuncContainer c = RuncContainer.builder().privileged().start()) {
            ContainerResolver resolver = new ContainerResolver();
            resolver.refresh();
            ContainerRisk r = new EscapeSurfaceAuditor(tiny).assess(resolver.byId(c.id()).orElseThrow());
            assertEquals(1, r.score());
            assertEquals(Band.HIGH, r.band());
        }
    }

    @Test
    void hostPidAndHostNetworkAreFactors() {
        try (RuncContainer c = RuncContainer.builder().hostPid().hostNetwork().start()) {
            ContainerRisk r = audit(c);
            assertEquals(List.of("host-pid", "host-network", "no-seccomp", "mac-unconfined", "run-as-root",
                    "no-user-namespace"), ids(r));
            assertEquals(35 + 30 + 20, r.score());
            assertEquals(Band.HIGH, r.band());
            assertEquals("baseline: Host Namespaces", factor(r, "host-pid").pss());
            assertEquals("C-0041 HostNetwork access", factor(r, "host-network").kubescape());
        }
    }

    @Test
    void hostIpcIsAFactor() {
        try (RuncContainer c = RuncContainer.builder().hostIpc().start()) {
            ContainerRisk r = audit(c);
            assertTrue(ids(r).contains("host-ipc"));
            assertEquals(35 + 15, r.score());
        }
    }

    @Test
    void addedSysAdminCapabilityIsAFactorWithEvidence() {
        try (RuncContainer c = RuncContainer.builder().capAdd("CAP_SYS_ADMIN").start()) {
            ContainerRisk r = audit(c);
            assertEquals("cap-sys-admin", ids(r).get(0));
            assertTrue(factor(r, "cap-sys-admin").evidence().contains("CAP_SYS_ADMIN"));
            assertEquals("C-0046 Insecure capabilities", factor(r, "cap-sys-admin").kubescape());
            assertEquals(35 + 45, r.score());
            assertEquals(Band.HIGH, r.band());
        }
    }

    @Test
    void dockerSocketBindIsARuntimeSocketFactor(@TempDir Path tmp) throws Exception {
        Path sock = tmp.resolve("docker.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            try (RuncContainer c = RuncContainer.builder().bind(sock, "/var/run/docker.sock", false).start()) {
                ContainerRisk r = audit(c);
                assertEquals("runtime-socket", ids(r).get(0));
                Factor f = factor(r, "runtime-socket");
                assertTrue(f.evidence().contains(sock + " at /var/run/docker.sock (rw)"), f.evidence());
                assertEquals("C-0074 Container runtime socket mounted", f.kubescape());
                assertEquals(35 + 45, r.score());
                assertTrue(ids(r).stream().noneMatch(id -> id.startsWith("host-path")), ids(r).toString());
            }
        }
    }

    @Test
    void hostRootBindIsAWritableHostPath() {
        try (RuncContainer c = RuncContainer.builder().bind(Path.of("/"), "/host", false).start()) {
            ContainerRisk r = audit(c);
            Factor f = factor(r, "host-path-root");
            assertEquals(50, f.weight());
            assertEquals("host / at /host (rw)", f.evidence());
            assertEquals("C-0045 Writable hostPath mount", f.kubescape());
            assertEquals(Band.HIGH, r.band());
        }
    }

    @Test
    void readOnlyEtcBindCountsHalf() {
        try (RuncContainer c = RuncContainer.builder().bind(Path.of("/etc"), "/host/etc", true).start()) {
            ContainerRisk r = audit(c);
            assertEquals(List.of("host-path-etc"), ids(r).stream().filter(id -> !BASELINE.contains(id)).toList());
            assertEquals(15, factor(r, "host-path-etc").weight());
            assertEquals("C-0048 HostPath mount", factor(r, "host-path-etc").kubescape());
            assertEquals(35 + 15, r.score());
            assertEquals(Band.HIGH, r.band());
        }
    }

    @Test
    void localtimeBindIsNotAFactor() {
        try (RuncContainer c = RuncContainer.builder().bind(Path.of("/etc/localtime"), "/etc/localtime", true).start()) {
            assertEquals(BASELINE, ids(audit(c)));
        }
    }
}
