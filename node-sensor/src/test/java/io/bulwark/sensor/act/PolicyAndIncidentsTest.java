package io.bulwark.sensor.act;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.StableId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which alerts get node steps (the default playbook and a playbook directory), and how alerts are filed into incidents. */
class PolicyAndIncidentsTest {
    static AlertEnvelope alert(String id, String time, String priority, String vector, String container) {
        ContainerInfo c = container == null ? null : new ContainerInfo(container, container, "runc", null, 1, "running", null, null,
                "/" + container, false, List.of(), List.of(), List.of(), 0, false, null, null, true, List.of(), List.of(), List.of(),
                null, Map.of(), null);
        AlertDetail d = new AlertDetail(id, time, "Some Rule", priority, 8.0, vector, List.of(), List.of(), "out", Map.of(), 1, null, c,
                null, new AlertDetail.Node("node-1", null, "6.18"), null, new AlertDetail.Sensor("0.1.0", "local", "none"));
        return new AlertEnvelope("0", id, AlertEnvelope.DETAIL_TYPE, AlertEnvelope.SOURCE, null, time, null, List.of("node/node-1"), d);
    }

    @Test
    void theDefaultPlaybookFreezesContainersOnCriticalOrAConfirmedVector() {
        PlaybookPolicy p = PlaybookPolicy.defaults();
        List<ResponsePolicy.Step> steps = p.nodeSteps(alert("a", "2026-12-07T03:00:00Z", "CRITICAL", "core-pattern", "bw-1"));
        assertEquals(List.of("evidence", "freeze"), steps.stream().map(ResponsePolicy.Step::action).toList(), "evidence before containment");
        assertEquals("default-containment", steps.get(0).playbook());
        assertEquals(2, p.nodeSteps(alert("b", "2026-12-07T03:00:00Z", "ERROR", "host-chroot", "bw-1")).size(), "a confirmed vector at ERROR");
        assertEquals(List.of(), p.nodeSteps(alert("c", "2026-12-07T03:00:00Z", "NOTICE", "host-chroot", "bw-1")), "recon is not an attempt");
        assertEquals(List.of(), p.nodeSteps(alert("d", "2026-12-07T03:00:00Z", "WARNING", null, "bw-1")));
        assertEquals(List.of(), p.nodeSteps(alert("e", "2026-12-07T03:00:00Z", "CRITICAL", "core-pattern", null)), "no node step for the host");
        assertTrue(p.protectedNamespaces().containsAll(List.of("kube-system", "bulwark")));
    }

    @Test
    void aPlaybookDirectoryReplacesTheDefaultAndItsDryRunHolds(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("watch.yaml"), """
                name: watch-only
                match: {"source": ["bulwark.sensor"], "detail": {"priority": ["WARNING"]}}
                guardrails:
                  protected_namespaces: [payments]
                steps:
                  - id: evidence
                    action: node.evidence
                  - id: freeze
                    action: node.freeze
                    dry_run: true
                """);
        PlaybookPolicy p = PlaybookPolicy.load(dir);
        List<ResponsePolicy.Step> steps = p.nodeSteps(alert("a", "2026-12-07T03:00:00Z", "WARNING", null, "bw-1"));
        assertEquals(List.of(new ResponsePolicy.Step("evidence", "watch-only", false), new ResponsePolicy.Step("freeze", "watch-only", true)), steps);
        assertEquals(List.of(), p.nodeSteps(alert("b", "2026-12-07T03:00:00Z", "CRITICAL", "core-pattern", "bw-1")), "the default is replaced");
        assertTrue(p.protectedNamespaces().contains("payments"));

        Path bad = dir.resolve("bad");
        Files.createDirectories(bad);
        Files.writeString(bad.resolve("x.yaml"), "name: x\nmatch: {\"source\": [\"bulwark.sensor\"]}\nsteps:\n  - id: f\n    action: node.melt\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PlaybookPolicy.load(bad));
        assertTrue(e.getMessage().contains(bad.resolve("x.yaml") + ":5:"), e.getMessage());
    }

    @Test
    void alertsOfOneContainerShareAnIncidentWhileTheyKeepComingWithinFifteenMinutes() {
        IncidentTracker t = new IncidentTracker("node-1");
        String first = t.file(alert("a1", "2026-12-07T03:00:00Z", "CRITICAL", null, "bw-1").detail());
        assertEquals(StableId.of("incident", "node-1", "bw-1", "a1"), first, "the id is stable: node, key, first alert");
        assertEquals(first, t.file(alert("a2", "2026-12-07T03:14:00Z", "WARNING", null, "bw-1").detail()));
        assertEquals(first, t.file(alert("a3", "2026-12-07T03:28:00Z", "WARNING", null, "bw-1").detail()), "15 min after the previous, not the first");
        String other = t.file(alert("b1", "2026-12-07T03:28:00Z", "CRITICAL", null, "bw-2").detail());
        assertNotEquals(first, other, "another container, another incident");
        String host = t.file(alert("h1", "2026-12-07T03:28:00Z", "CRITICAL", null, null).detail());
        assertEquals(StableId.of("incident", "node-1", "host", "h1"), host);
        String later = t.file(alert("a4", "2026-12-07T03:44:00Z", "CRITICAL", null, "bw-1").detail());
        assertNotEquals(first, later, "16 minutes of quiet close the incident");
        assertEquals(StableId.of("incident", "node-1", "bw-1", "a4"), later);
    }

    @Test
    void sensorActionLabels() {
        io.bulwark.contract.ActionRecord.Target t = new io.bulwark.contract.ActionRecord.Target("bw-1", null, null, null, null, null);
        java.util.function.BiFunction<String, String, io.bulwark.contract.ActionRecord> rec = (result, reason) ->
                new io.bulwark.contract.ActionRecord("i", "t", "freeze", result, reason, t, Map.of(), null, null, null, "fast-path", null, "a",
                        new AlertDetail.Node("n", null, null), false, 0);
        assertEquals("frozen", FastPath.label("freeze", rec.apply("done", null)));
        assertEquals("dry-run:freeze", FastPath.label("freeze", rec.apply("dry-run", "would freeze x")));
        assertEquals("freeze-failed:timeout", FastPath.label("freeze", rec.apply("failed", "timeout: not frozen after 2000 ms")));
        assertEquals("freeze-refused:protected", FastPath.label("freeze", rec.apply("refused", "protected namespace kube-system")));
        assertEquals("freeze-refused:host", FastPath.label("freeze", rec.apply("refused", "host: no container named")));
    }
}
