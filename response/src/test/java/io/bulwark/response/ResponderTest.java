package io.bulwark.response;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.response.action.Executors;
import io.bulwark.response.state.AuditRecord;
import io.bulwark.response.state.FileResponseState;
import io.bulwark.response.state.InMemoryResponseState;
import io.bulwark.response.state.ResponseState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResponderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T03:00:00Z"));
    private final RecordingExecutor evidence = RecordingExecutor.ok("node.evidence");
    private final RecordingExecutor freeze = RecordingExecutor.ok("node.freeze");
    private final RecordingExecutor label = RecordingExecutor.ok("k8s.quarantine-label");
    private final RecordingExecutor netpol = RecordingExecutor.ok("k8s.deny-all-netpol");
    private final RecordingExecutor sns = RecordingExecutor.ok("notify.sns");

    private Executors all() {
        return Executors.of(evidence, freeze, label, netpol, sns);
    }

    private Responder responder(List<Playbook> pbs, Executors ex, ResponseState state, Responder.Options o) {
        return new Responder(pbs, ex, state, clock, o);
    }

    private Responder defaultResponder(ResponseState state) {
        return responder(PlaybookLoader.defaultPlaybooks(), all(), state, Responder.Options.defaults().withPrincipal("sensor@vm"));
    }

    private static List<Playbook> playbooks(String yaml) {
        return PlaybookLoader.standard().parse("test.yaml", yaml, n -> null).orThrow();
    }

    /** The CRITICAL alert fixture, as a pod in {@code namespace} (null: not in Kubernetes) for incident {@code incident}. */
    private static String alert(String incident, String namespace) {
        try {
            ObjectNode e = (ObjectNode) JSON.readTree(DefaultPlaybookMatchTest.event("critical-core-pattern.json"));
            ObjectNode d = (ObjectNode) e.get("detail");
            ((ObjectNode) d.get("sensor")).put("incident", incident);
            if (namespace != null) {
                ObjectNode k = d.putObject("k8s");
                k.put("namespace", namespace);
                k.put("pod", "web-1");
            }
            e.put("id", "evt-" + incident);
            return JSON.writeValueAsString(e);
        } catch (Exception x) {
            throw new IllegalStateException(x);
        }
    }

    private static List<String> statuses(PlaybookRun run) {
        return run.steps().stream().map(s -> s.step() + "=" + s.status()).toList();
    }

    @Test
    void defaultPlaybookRunsEvidenceThenFreezeThenQuarantineThenNotifyAndAuditsEveryStep() {
        InMemoryResponseState state = new InMemoryResponseState();
        Responder r = defaultResponder(state);
        PlaybookRun run = r.handle(alert("inc-1", "shop")).run("default-containment");
        assertEquals(List.of("evidence=DONE", "freeze=DONE", "quarantine-label=DONE", "deny-all-netpol=DONE", "notify=DONE"), statuses(run));
        assertEquals(PlaybookRun.Status.COMPLETED, run.status());
        assertEquals("container/bw-test-1a2b3c4d", freeze.calls.get(0).target());
        assertEquals("pod/shop/web-1", label.calls.get(0).target());
        assertEquals("inc-1/default-containment/freeze", freeze.calls.get(0).idempotencyKey());
        List<AuditRecord> audit = state.auditLog();
        assertEquals(5, audit.size());
        AuditRecord a = audit.get(1);
        assertEquals("node.freeze", a.action());
        assertEquals("container/bw-test-1a2b3c4d", a.target());
        assertEquals("DONE", a.result());
        assertEquals("default-containment", a.playbook());
        assertEquals("freeze", a.step());
        assertEquals("sensor@vm", a.principal());
        assertEquals("inc-1", a.incident());
        assertEquals("2026-12-07T03:00:00Z", a.time());
        assertEquals(Map.of("timeout", "2s"), a.params());
        assertFalse(a.dryRun());
    }

    @Test
    void withoutAClusterTheK8sStepsAreRecordedAsNotConfigured() {
        InMemoryResponseState state = new InMemoryResponseState();
        Responder r = responder(PlaybookLoader.defaultPlaybooks(), Executors.of(evidence, freeze), state, Responder.Options.defaults());
        PlaybookRun run = r.handle(alert("inc-2", "shop")).run("default-containment");
        assertEquals(List.of("evidence=DONE", "freeze=DONE", "quarantine-label=NOT_CONFIGURED", "deny-all-netpol=NOT_CONFIGURED",
                "notify=NOT_CONFIGURED"), statuses(run));
        assertEquals(PlaybookRun.Status.COMPLETED, run.status());
        assertTrue(state.auditLog().get(2).message().startsWith("not configured"));
        // a container outside Kubernetes: the k8s steps' when does not match
        run = r.handle(alert("inc-3", null)).run("default-containment");
        assertEquals(List.of("evidence=DONE", "freeze=DONE", "quarantine-label=SKIPPED", "deny-all-netpol=SKIPPED", "notify=NOT_CONFIGURED"),
                statuses(run));
    }

    @Test
    void aProtectedNamespaceIsNeverActedOn() {
        InMemoryResponseState state = new InMemoryResponseState();
        Responder r = defaultResponder(state);
        PlaybookRun run = r.handle(alert("inc-4", "kube-system")).run("default-containment");
        assertEquals(List.of("evidence=DONE", "freeze=REFUSED_PROTECTED_NAMESPACE", "quarantine-label=REFUSED_PROTECTED_NAMESPACE",
                "deny-all-netpol=REFUSED_PROTECTED_NAMESPACE", "notify=DONE"), statuses(run));
        assertTrue(freeze.calls.isEmpty());
        assertTrue(label.calls.isEmpty());
        assertTrue(netpol.calls.isEmpty());
        assertEquals("namespace kube-system is protected: node.freeze never touches it", state.auditLog().get(1).message());
        // also in a dry run: recorded as refused, never as "would run"
        r = responder(PlaybookLoader.defaultPlaybooks(), all(), state, Responder.Options.defaults().withDryRun(true));
        run = r.handle(alert("inc-5", "bulwark")).run("default-containment");
        assertEquals(StepStatus.REFUSED_PROTECTED_NAMESPACE, run.step("freeze").status());
        assertTrue(freeze.calls.isEmpty());
    }

    @Test
    void thePlaybookRateLimitHoldsAndTheRefusalIsAudited() {
        List<Playbook> pbs = playbooks("""
                name: limited
                match: {source: [bulwark.sensor]}
                guardrails: {max_actions: {count: 2, window: 10m}}
                steps:
                  - {id: evidence, action: node.evidence}
                  - {id: freeze, action: node.freeze}
                """);
        InMemoryResponseState state = new InMemoryResponseState();
        Responder r = responder(pbs, all(), state, Responder.Options.defaults());
        for (int i = 1; i <= 2; i++) assertEquals(StepStatus.DONE, r.handle(alert("inc-" + i, null)).run("limited").step("freeze").status());
        PlaybookRun third = r.handle(alert("inc-3", null)).run("limited");
        assertEquals(StepStatus.DONE, third.step("evidence").status(), "evidence does not mutate: not rate limited");
        assertEquals(StepStatus.REFUSED_RATE_LIMIT, third.step("freeze").status());
        assertEquals(2, freeze.calls.size());
        AuditRecord refused = state.auditLog().get(state.auditLog().size() - 1);
        assertEquals("REFUSED_RATE_LIMIT", refused.result());
        assertEquals("playbook's max_actions reached: 2 actions per 10m", refused.message());
        // a refused step gave its idempotency claim back: once the window has moved on, the same incident acts
        clock.advance(Duration.ofMinutes(10).plusSeconds(1));
        assertEquals(StepStatus.DONE, r.handle(alert("inc-3", null)).run("limited").step("freeze").status());
        assertEquals(3, freeze.calls.size());
    }

    @Test
    void theGlobalRateLimitHoldsAcrossPlaybooks() {
        List<Playbook> pbs = playbooks("""
                name: a
                match: {source: [bulwark.sensor]}
                steps: [{id: freeze, action: node.freeze}]
                ---
                name: b
                match: {source: [bulwark.sensor]}
                steps: [{id: freeze, action: node.freeze}]
                """);
        Responder r = responder(pbs, all(), new InMemoryResponseState(),
                Responder.Options.defaults().withGlobalLimit(new Guardrails.RateLimit(3, Duration.ofMinutes(5))));
        Responder.EventResult first = r.handle(alert("inc-1", null));
        Responder.EventResult second = r.handle(alert("inc-2", null));
        assertEquals(StepStatus.DONE, first.run("a").step("freeze").status());
        assertEquals(StepStatus.DONE, first.run("b").step("freeze").status());
        assertEquals(StepStatus.DONE, second.run("a").step("freeze").status());
        assertEquals(StepStatus.REFUSED_RATE_LIMIT, second.run("b").step("freeze").status());
        assertTrue(second.run("b").step("freeze").message().startsWith("global limit reached: 3 actions per 5m"));
        assertEquals(3, freeze.calls.size());
    }

    @Test
    void dryRunChangesNothingButAuditsWhatWouldHaveHappened() {
        InMemoryResponseState state = new InMemoryResponseState();
        // responder-wide (./bulwark up --dry-run)
        Responder r = responder(PlaybookLoader.defaultPlaybooks(), all(), state, Responder.Options.defaults().withDryRun(true));
        PlaybookRun run = r.handle(alert("inc-1", "shop")).run("default-containment");
        assertEquals(List.of("evidence=DRY_RUN", "freeze=DRY_RUN", "quarantine-label=DRY_RUN", "deny-all-netpol=DRY_RUN", "notify=DRY_RUN"),
                statuses(run));
        for (RecordingExecutor e : List.of(evidence, freeze, label, netpol, sns)) assertTrue(e.calls.isEmpty(), e.action + " was called");
        assertEquals(5, state.auditLog().size());
        assertTrue(state.auditLog().stream().allMatch(AuditRecord::dryRun));
        assertEquals("dry run: would run node.freeze on container/bw-test-1a2b3c4d", state.auditLog().get(1).message());

        // playbook-level and step-level dry_run
        List<Playbook> pbs = playbooks("""
                name: pb-dry
                match: {source: [bulwark.sensor]}
                dry_run: true
                steps: [{id: freeze, action: node.freeze}]
                ---
                name: step-dry
                match: {source: [bulwark.sensor]}
                steps:
                  - {id: evidence, action: node.evidence}
                  - {id: freeze, action: node.freeze, dry_run: true}
                """);
        r = responder(pbs, all(), state, Responder.Options.defaults());
        Responder.EventResult res = r.handle(alert("inc-2", null));
        assertEquals(StepStatus.DRY_RUN, res.run("pb-dry").step("freeze").status());
        assertEquals(StepStatus.DONE, res.run("step-dry").step("evidence").status());
        assertEquals(StepStatus.DRY_RUN, res.run("step-dry").step("freeze").status());
        assertTrue(freeze.calls.isEmpty());
        assertEquals(1, evidence.calls.size());
        // a dry run does not use up the real action: the same playbook with dry run off acts for the same incident
        r = responder(playbooks("name: pb-dry\nmatch: {source: [bulwark.sensor]}\nsteps: [{id: freeze, action: node.freeze}]\n"),
                all(), state, Responder.Options.defaults());
        assertEquals(StepStatus.DONE, r.handle(alert("inc-2", null)).run("pb-dry").step("freeze").status());
        assertEquals(1, freeze.calls.size());
    }

    @Test
    void aReplayedEventActsOnce() {
        InMemoryResponseState state = new InMemoryResponseState();
        Responder r = defaultResponder(state);
        String event = alert("inc-1", "shop");
        r.handle(event);
        PlaybookRun replay = r.handle(event).run("default-containment");
        assertEquals(List.of("evidence=DUPLICATE", "freeze=DUPLICATE", "quarantine-label=DUPLICATE", "deny-all-netpol=DUPLICATE",
                "notify=DUPLICATE"), statuses(replay));
        for (RecordingExecutor e : List.of(evidence, freeze, label, netpol, sns)) assertEquals(1, e.calls.size(), e.action);
        // another alert of the same incident (a new event id) does not act again either: the key is incident/playbook/step
        ObjectNode other;
        try {
            other = (ObjectNode) JSON.readTree(event);
        } catch (Exception x) {
            throw new IllegalStateException(x);
        }
        other.put("id", "evt-other");
        r.handle(other.toString());
        assertEquals(1, freeze.calls.size());
        assertEquals(10 + 5, state.auditLog().size(), "every delivery is audited, duplicates included");
    }

    @Test
    void aReplayAfterARestartActsOnceWithTheFileState(@TempDir Path dir) {
        String event = alert("inc-1", null);
        defaultResponder(new FileResponseState(dir)).handle(event);
        PlaybookRun replay = defaultResponder(new FileResponseState(dir)).handle(event).run("default-containment");
        assertEquals(StepStatus.DUPLICATE, replay.step("freeze").status());
        assertEquals(1, freeze.calls.size());
        assertEquals(10, new FileResponseState(dir).auditLog().size());
    }

    @Test
    void theKillSwitchStopsEverything(@TempDir Path dir) throws Exception {
        FileResponseState state = new FileResponseState(dir);
        Files.writeString(dir.resolve(FileResponseState.KILL_SWITCH), "operator: stop everything\n"); // by hand, as an operator would
        Responder r = defaultResponder(state);
        PlaybookRun run = r.handle(alert("inc-1", "shop")).run("default-containment");
        assertTrue(run.steps().stream().allMatch(s -> s.status() == StepStatus.REFUSED_KILL_SWITCH), statuses(run).toString());
        for (RecordingExecutor e : List.of(evidence, freeze, label, netpol, sns)) assertTrue(e.calls.isEmpty(), e.action);
        assertEquals(5, state.auditLog().size());
        assertTrue(state.auditLog().stream().allMatch(a -> a.result().equals("REFUSED_KILL_SWITCH")));
        // released: the same incident acts (refusals took no claims)
        state.setKillSwitch(false, null);
        assertFalse(Files.exists(dir.resolve(FileResponseState.KILL_SWITCH)));
        assertEquals(StepStatus.DONE, r.handle(alert("inc-1", "shop")).run("default-containment").step("freeze").status());
    }

    private static final String APPROVAL_PLAYBOOK = """
            name: with-approval
            match: {source: [bulwark.sensor]}
            guardrails: {approval: {timeout: 10m, default: deny}}
            steps:
              - {id: evidence, action: node.evidence}
              - {id: ask, action: control.approval, params: {reason: "delete the pod?"}}
              - {id: freeze, action: node.freeze}
            """;

    private static String approvalEvent(String id, String decision) {
        return """
                {"version":"0","id":"approval-evt-%s","source":"bulwark.approval","detail-type":"Response Approval",
                 "time":"2026-12-07T03:01:00Z","resources":[],"detail":{"approval_id":"%s","decision":"%s","principal":"alice@example.com"}}
                """.formatted(decision, id, decision);
    }

    @Test
    void anApprovalStepWaitsAndAnApprovalEventResumesTheRun() {
        InMemoryResponseState state = new InMemoryResponseState();
        Responder r = responder(playbooks(APPROVAL_PLAYBOOK), all(), state, Responder.Options.defaults());
        PlaybookRun run = r.handle(alert("inc-1", null)).run("with-approval");
        assertEquals(PlaybookRun.Status.PENDING_APPROVAL, run.status());
        assertEquals(List.of("evidence=DONE", "ask=PENDING_APPROVAL"), statuses(run));
        assertTrue(freeze.calls.isEmpty());
        String id = run.approvalId();
        assertEquals(1, state.pendingApprovals().size());
        assertEquals("2026-12-07T03:10:00Z", state.pendingApprovals().get(0).deadline());

        // the replayed alert while pending: still waiting, nothing acts
        assertEquals(PlaybookRun.Status.PENDING_APPROVAL, r.handle(alert("inc-1", null)).run("with-approval").status());
        assertTrue(freeze.calls.isEmpty());

        Responder.EventResult resumed = r.handle(approvalEvent(id, "approve"));
        PlaybookRun after = resumed.runs().get(0);
        assertEquals(PlaybookRun.Status.COMPLETED, after.status());
        assertEquals(List.of("ask=APPROVED", "freeze=DONE"), statuses(after));
        assertEquals(1, freeze.calls.size());
        AuditRecord decision = state.auditLog().stream().filter(a -> a.result().equals("APPROVED")).findFirst().orElseThrow();
        assertEquals("alice@example.com", decision.principal());
        // a replayed approval event decides nothing and acts on nothing
        assertTrue(r.handle(approvalEvent(id, "approve")).runs().isEmpty());
        assertEquals(1, freeze.calls.size());
    }

    @Test
    void anApprovalTimesOutToItsDefault() {
        InMemoryResponseState state = new InMemoryResponseState();
        Responder r = responder(playbooks(APPROVAL_PLAYBOOK), all(), state, Responder.Options.defaults());
        r.handle(alert("inc-1", null));
        clock.advance(Duration.ofMinutes(9));
        assertTrue(r.expireApprovals().isEmpty(), "not yet");
        clock.advance(Duration.ofMinutes(1));
        List<PlaybookRun> expired = r.expireApprovals();
        assertEquals(1, expired.size());
        assertEquals(PlaybookRun.Status.DENIED, expired.get(0).status());
        assertEquals(List.of("ask=DENIED", "freeze=NOT_RUN"), statuses(expired.get(0)));
        assertTrue(freeze.calls.isEmpty());
        assertTrue(state.auditLog().stream().anyMatch(a -> a.result().equals("DENIED") && a.principal().equals("timeout")));

        // default approve (the step's own param wins over the guardrail)
        Responder r2 = responder(playbooks(APPROVAL_PLAYBOOK.replace("reason: \"delete the pod?\"", "default: approve, timeout: 1m")
                .replace("with-approval", "approve-by-default")), all(), new InMemoryResponseState(), Responder.Options.defaults());
        r2.handle(alert("inc-2", null));
        clock.advance(Duration.ofMinutes(1));
        List<PlaybookRun> approved = r2.expireApprovals();
        assertEquals(List.of("ask=APPROVED", "freeze=DONE"), statuses(approved.get(0)));
        assertEquals(1, freeze.calls.size());
    }

    @Test
    void continueOnErrorGoesOnAndAFailureOtherwiseStopsThePlaybook() {
        RecordingExecutor badFreeze = RecordingExecutor.throwing("node.freeze");
        InMemoryResponseState state = new InMemoryResponseState();
        List<Playbook> pbs = playbooks("""
                name: goes-on
                match: {source: [bulwark.sensor]}
                steps:
                  - {id: freeze, action: node.freeze, continue_on_error: true}
                  - {id: tell, action: notify.sns, params: {topic_arn: "arn:aws:sns:us-east-1:000000000000:t"}}
                ---
                name: stops
                match: {source: [bulwark.sensor]}
                steps:
                  - {id: freeze, action: node.freeze}
                  - {id: tell, action: notify.sns, params: {topic_arn: "arn:aws:sns:us-east-1:000000000000:t"}}
                """);
        Responder r = responder(pbs, Executors.of(badFreeze, sns), state, Responder.Options.defaults());
        Responder.EventResult res = r.handle(alert("inc-1", null));
        assertEquals(List.of("freeze=FAILED", "tell=DONE"), statuses(res.run("goes-on")));
        assertEquals(PlaybookRun.Status.COMPLETED, res.run("goes-on").status());
        assertEquals(List.of("freeze=FAILED", "tell=NOT_RUN"), statuses(res.run("stops")));
        assertEquals(PlaybookRun.Status.FAILED, res.run("stops").status());
        assertEquals("node.freeze threw IllegalStateException: cgroup.freeze: Permission denied", res.run("stops").step("freeze").message());
        assertEquals(1, sns.calls.size());
        // a replay stops at the same place and does not retry the failed action
        Responder.EventResult again = r.handle(alert("inc-1", null));
        assertEquals(List.of("freeze=DUPLICATE", "tell=NOT_RUN"), statuses(again.run("stops")));
        assertEquals(2, badFreeze.calls.size(), "once per playbook, never again");
    }

    @Test
    void aMalformedEventIsRejectedClearlyAndTheRestOfTheBatchIsHandled() {
        Responder r = defaultResponder(new InMemoryResponseState());
        List<Responder.BatchItem> items = r.handleAll(List.of(
                alert("inc-1", null),
                "{\"id\": \"x\", \"source\": ",
                "{\"id\":\"y\",\"source\":\"bulwark.sensor\",\"detail-type\":\"Container Escape Alert\"}",
                "[1,2]",
                alert("inc-2", null)));
        assertTrue(items.get(0).ok());
        assertTrue(items.get(4).ok());
        assertTrue(items.get(1).error().startsWith("event is not JSON (line 1 column"), items.get(1).error());
        assertEquals("event y has no 'detail' object", items.get(2).error());
        assertEquals("event must be a JSON object (an EventBridge envelope)", items.get(3).error());
        assertEquals(2, freeze.calls.size());
        assertNull(items.get(1).result());
        MalformedEventException e = assertThrows(MalformedEventException.class,
                () -> r.handle("{\"id\":\"z\",\"detail-type\":\"x\",\"detail\":{}}"));
        assertEquals("event has no 'source' string: not an EventBridge envelope (source, detail-type, detail)", e.getMessage());
    }

    @Test
    void theNodeRunsTheFastPathAndTheRespondSideTheRest() {
        InMemoryResponseState node = new InMemoryResponseState();
        InMemoryResponseState cloud = new InMemoryResponseState();
        String event = alert("inc-1", "shop");
        PlaybookRun n = responder(PlaybookLoader.defaultPlaybooks(), all(), node,
                Responder.Options.defaults().withPart(Responder.Part.NODE_FAST_PATH)).handle(event).run("default-containment");
        assertEquals(List.of("evidence=DONE", "freeze=DONE", "quarantine-label=OTHER_PART", "deny-all-netpol=OTHER_PART", "notify=OTHER_PART"),
                statuses(n));
        assertEquals(2, node.auditLog().size(), "the other part is not audited here");
        PlaybookRun c = responder(PlaybookLoader.defaultPlaybooks(), all(), cloud,
                Responder.Options.defaults().withPart(Responder.Part.REST)).handle(event).run("default-containment");
        assertEquals(List.of("evidence=OTHER_PART", "freeze=OTHER_PART", "quarantine-label=DONE", "deny-all-netpol=DONE", "notify=DONE"),
                statuses(c));
        assertEquals(1, evidence.calls.size());
        assertEquals(1, freeze.calls.size());
    }

    @Test
    void releaseUndoesReversibleStepsOnceNewestFirst() {
        InMemoryResponseState state = new InMemoryResponseState();
        RecordingExecutor thaw = RecordingExecutor.ok("node.thaw");
        List<String> undone = new java.util.ArrayList<>();
        io.bulwark.response.action.ActionExecutor labelWithUndo = new io.bulwark.response.action.ActionExecutor() {
            @Override
            public String action() {
                return "k8s.quarantine-label";
            }

            @Override
            public io.bulwark.response.action.ActionResult execute(io.bulwark.response.action.ActionRequest r) {
                return io.bulwark.response.action.ActionResult.done("labelled", Map.of("label", "bulwark.dev/quarantine"));
            }

            @Override
            public io.bulwark.response.action.ActionResult undo(io.bulwark.response.action.ActionRequest r,
                    io.bulwark.response.action.ActionResult done) {
                undone.add(r.target() + " " + done.details().get("label"));
                return io.bulwark.response.action.ActionResult.done("label removed");
            }
        };
        Responder r = responder(PlaybookLoader.defaultPlaybooks(), Executors.of(evidence, freeze, thaw, labelWithUndo), state,
                Responder.Options.defaults());
        r.handle(alert("inc-1", "shop"));
        List<StepOutcome> released = r.release("inc-1", "bob@example.com");
        // deny-all-netpol and notify had no executor (NOT_CONFIGURED), evidence is not reversible
        assertEquals(List.of("quarantine-label#undo=DONE", "freeze#undo=DONE"),
                released.stream().map(o -> o.step() + "=" + o.status()).toList());
        assertEquals(List.of("pod/shop/web-1 bulwark.dev/quarantine"), undone);
        assertEquals("container/bw-test-1a2b3c4d", thaw.calls.get(0).target());
        AuditRecord last = state.auditLog().get(state.auditLog().size() - 1);
        assertEquals("node.thaw", last.action());
        assertEquals("bob@example.com", last.principal());
        assertEquals(List.of("quarantine-label#undo=DUPLICATE", "freeze#undo=DUPLICATE"),
                r.release("inc-1", "bob@example.com").stream().map(o -> o.step() + "=" + o.status()).toList());
        assertEquals(1, thaw.calls.size());
    }

    @Test
    void aCriticalHostAlertWithoutAContainerFreezesNothing() throws Exception {
        // kernel integrity findings are CRITICAL with container null: nothing to capture or freeze, still notified
        ObjectNode e = (ObjectNode) JSON.readTree(alert("inc-host", null));
        ((ObjectNode) e.get("detail")).putNull("container");
        PlaybookRun run = defaultResponder(new InMemoryResponseState()).handle(e.toString()).run("default-containment");
        assertEquals(List.of("evidence=SKIPPED", "freeze=SKIPPED", "quarantine-label=SKIPPED", "deny-all-netpol=SKIPPED", "notify=DONE"),
                statuses(run));
        assertTrue(freeze.calls.isEmpty());
    }

    @Test
    void theIncidentComesFromTheSensorAndFallsBackToTheEventId() throws Exception {
        assertEquals("inc-9", Responder.incidentOf(JSON.readTree(alert("inc-9", null))));
        ObjectNode e = (ObjectNode) JSON.readTree(alert("inc-9", null));
        ((ObjectNode) e.get("detail").get("sensor")).putNull("incident");
        assertEquals(e.get("detail").get("id").asText(), Responder.incidentOf(e));
    }
}
