package io.bulwark.functions.testing;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.ClusterEscapeSurfaceReport;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.EscapeSurfaceFinding;
import io.bulwark.contract.EscapeSurfaceReport;
import io.bulwark.contract.EscapeSurfaceReport.Band;
import io.bulwark.contract.FindingEnvelope;
import java.util.List;
import java.util.UUID;

/** Finding envelopes as the function builds them, for bus and pattern tests. */
public final class Findings {
    private Findings() {}

    public static FindingEnvelope of(Band band, int score) {
        EscapeSurfaceReport.Factor f = new EscapeSurfaceReport.Factor("runtime-socket", "Container runtime socket mounted", 45,
                "host /var/run/docker.sock at /var/run/docker.sock (rw)", "Do not mount the runtime's socket into workloads.",
                "baseline: HostPath Volumes", "C-0074 Container runtime socket mounted");
        ClusterEscapeSurfaceReport.Container c = new ClusterEscapeSurfaceReport.Container("ip-10-0-1-17", "8c2e4a6b0d1f", "runner",
                "containerd", "registry.example.com/ci/runner:17.5", new ContainerInfo.K8s("ci", "runner-5f7d9c8b6-abcde", null, "runner"),
                score, band, List.of(f), "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b", "2026-11-28T16:31:36.444Z", null);
        EscapeSurfaceFinding finding = new EscapeSurfaceFinding(UUID.randomUUID().toString(), "2026-11-28T16:31:37.010Z", band, score,
                false, "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b",
                "audit/nodes/ip-10-0-1-17/2026/11/28/163136.444Z-6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b.json",
                new AlertDetail.Node("ip-10-0-1-17", "i-0a1b2c3d4e5f60718", "6.1.112"), c, band.action());
        return FindingEnvelope.of(finding, "123456789012", "eu-west-1",
                List.of("node/ip-10-0-1-17", "container/8c2e4a6b0d1f", "pod/ci/runner-5f7d9c8b6-abcde"));
    }
}
