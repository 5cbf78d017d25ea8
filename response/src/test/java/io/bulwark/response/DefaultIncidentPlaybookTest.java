package io.bulwark.response;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.response.action.Executors;
import io.bulwark.response.state.InMemoryResponseState;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The respond side's default for incidents no Bulwark sensor contained (classpath:playbooks/default-incidents.yaml):
 * a triaged incident from Falco or GuardDuty at CRITICAL, or of a confirmed escape vector at ERROR, gets its pod
 * quarantined, its traffic denied and a notification; Bulwark's own incidents (the sensor froze and the alert-level
 * default acted) and lower priorities do not. Real event-ruler matching, recording executors.
 */
class DefaultIncidentPlaybookTest {
    private final RecordingExecutor evidence = RecordingExecutor.ok("node.evidence");
    private final RecordingExecutor freeze = RecordingExecutor.ok("node.freeze");
    private final RecordingExecutor label = RecordingExecutor.ok("k8s.quarantine-label");
    private final RecordingExecutor netpol = RecordingExecutor.ok("k8s.deny-all-netpol");
    private final RecordingExecutor sns = RecordingExecutor.ok("notify.sns");

    private Responder responder() {
        return new Responder(PlaybookLoader.defaultRespondPlaybooks(), Executors.of(evidence, freeze, label, netpol, sns),
                new InMemoryResponseState(), Clock.systemUTC(), Responder.Options.defaults().withPrincipal("respond-test"));
    }

    /** An incident as triage publishes it (the fields the playbooks read). */
    static String incident(String id, List<String> sources, String priority, List<String> vectors, String namespace) {
        String k8s = namespace == null ? "null" : "{\"namespace\":\"" + namespace + "\",\"pod\":\"web-1\"}";
        return """
                {"version":"0","id":"ev-%s","detail-type":"Bulwark Incident","source":"bulwark.triage","time":"2026-12-07T13:00:00Z",
                 "resources":[],"detail":{"id":"%s","status":"open","priority":"%s","severity":7.5,"sources":%s,"vectors":%s,
                 "rules":["Docker Socket Accessed"],"node":{"hostname":"ip-10-0-1-23.ec2.internal","instance_id":"i-0abc"},
                 "container":{"id":"c0ffee"},"k8s":%s}}
                """.formatted(id, id, priority, json(sources), json(vectors), k8s);
    }

    private static String json(List<String> l) {
        return l.stream().map(s -> "\"" + s + "\"").toList().toString();
    }

    @Test
    void aCriticalFalcoIncidentIsQuarantinedDeniedAndNotified() {
        Responder.EventResult r = responder().handle(incident("inc-f1", List.of("falco"), "CRITICAL", List.of("runtime-socket"), "shop"));
        PlaybookRun run = r.run("default-incident-containment");
        assertTrue(run != null, "the incident playbook matched: " + r.runs());
        assertEquals(List.of("quarantine-label", "deny-all-netpol", "notify"), run.steps().stream().map(s -> s.step()).toList());
        run.steps().forEach(s -> assertEquals(StepStatus.DONE, s.status(), s.toString()));
        assertEquals(1, label.calls.size());
        assertEquals("pod/shop/web-1", label.calls.get(0).target());
        assertEquals(0, freeze.calls.size() + evidence.calls.size(), "no node step: Falco's node has no sensor to run it");
        assertNull(r.run("default-containment"), "the alert-level default matches sensor alerts only");
    }

    @Test
    void aGuardDutyIncidentOfAConfirmedVectorAtErrorMatches() {
        PlaybookRun run = responder().handle(incident("inc-g1", List.of("guardduty"), "ERROR", List.of("runc-exe-overwrite"), "shop"))
                .run("default-incident-containment");
        assertTrue(run != null && run.steps().stream().allMatch(s -> s.status() == StepStatus.DONE), String.valueOf(run));
    }

    @Test
    void bulwarksOwnLowerAndUnconfirmedIncidentsAreLeftAlone() {
        Responder r = responder();
        assertNull(r.handle(incident("inc-b1", List.of("bulwark"), "CRITICAL", List.of("core-pattern"), "shop")).run("default-incident-containment"),
                "the sensor's incidents: the node froze and the alert-level default ran");
        assertNull(r.handle(incident("inc-f2", List.of("falco"), "WARNING", List.of("core-pattern"), "shop")).run("default-incident-containment"));
        assertNull(r.handle(incident("inc-f3", List.of("falco"), "ERROR", List.of("runtime-socket"), "shop")).run("default-incident-containment"),
                "ERROR on a vector that is not a confirmed escape");
        assertEquals(0, label.calls.size() + netpol.calls.size() + sns.calls.size());
    }

    @Test
    void aProtectedNamespaceIsNeverTouchedAndAHostIncidentOnlyNotifies() {
        Responder r = responder();
        PlaybookRun sys = r.handle(incident("inc-k1", List.of("falco"), "CRITICAL", List.of(), "kube-system")).run("default-incident-containment");
        assertTrue(sys.steps().stream().noneMatch(s -> s.status() == StepStatus.DONE && !s.step().equals("notify")), sys.toString());
        assertEquals(0, label.calls.size() + netpol.calls.size(), "kube-system is protected");
        PlaybookRun host = r.handle(incident("inc-h1", List.of("guardduty"), "CRITICAL", List.of(), null)).run("default-incident-containment");
        assertEquals(StepStatus.DONE, host.step("notify").status(), host.toString());
        assertEquals(0, label.calls.size() + netpol.calls.size(), "no pod: the k8s steps do not apply");
    }
}
