package io.bulwark.functions.respond;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.functions.respond.act.RespondExecutors;
import io.bulwark.functions.respond.act.k8s.ArchiveEvidenceCheck;
import io.bulwark.response.Guardrails;
import io.bulwark.response.PlaybookRun;
import io.bulwark.response.Responder;
import io.bulwark.response.StepOutcome;
import io.bulwark.response.StepStatus;
import io.bulwark.response.state.InMemoryResponseState;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes executors through the responder (guardrails, idempotency, audit, release) against fabric8's
 * Kubernetes mock server in CRUD mode: a real API server protocol on a socket, objects kept as the API would.
 */
@Tag("servers")
@EnableKubernetesMockClient(crud = true)
class K8sExecutorsTest {
    static KubernetesClient client;

    @TempDir
    Path evidence;

    InMemoryResponseState state;

    static final String PLAYBOOK = """
            name: contain-pod
            match: {source: [bulwark.triage]}
            guardrails: {protected_namespaces: [kube-system, bulwark], max_actions: {count: 100, window: 10m}}
            steps:
              - {id: evidence, action: node.evidence}
              - {id: label, action: k8s.quarantine-label, when: {detail: {k8s: {pod: [{exists: true}]}}}}
              - {id: netpol, action: k8s.deny-all-netpol, when: {detail: {k8s: {pod: [{exists: true}]}}}}
              - {id: cordon, action: k8s.cordon}
              - {id: delete, action: k8s.delete-pod, continue_on_error: true, when: {detail: {k8s: {pod: [{exists: true}]}}}}
            """;

    @BeforeEach
    void seed() {
        client.pods().inAnyNamespace().delete();
        client.network().v1().networkPolicies().inAnyNamespace().delete();
        client.nodes().delete();
        for (String[] p : new String[][] {{"shop", "web-1"}, {"shop", "web-2"}, {"kube-system", "coredns-1"}}) {
            client.pods().inNamespace(p[0]).resource(new PodBuilder().withNewMetadata().withName(p[1]).withNamespace(p[0])
                    .addToLabels("app", p[1]).endMetadata().withNewSpec().withNodeName("node-a").addNewContainer().withName("c").withImage("busybox")
                    .endContainer().endSpec().build()).create();
        }
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-a").endMetadata().build()).create();
        state = new InMemoryResponseState();
    }

    Responder responder(String yaml, boolean dry) {
        var ex = new RespondExecutors("respond-test", null, client, Set.copyOf(Guardrails.DEFAULT_PROTECTED),
                ArchiveEvidenceCheck.directories(List.of(evidence)), null, null, null, null, null, null, null, null).build();
        return new Responder(Events.playbooks(yaml), ex, state, Clock.systemUTC(),
                Responder.Options.defaults().withPrincipal("respond-test").withDryRun(dry).withGlobalLimit(null));
    }

    Pod pod(String ns, String name) {
        return client.pods().inNamespace(ns).withName(name).get();
    }

    static StepStatus status(PlaybookRun run, String step) {
        return run.step(step).status();
    }

    @Test
    void quarantinesThePodWithALabelAndADenyAllPolicyCordonsTheNodeAndReleaseUndoesIt() {
        Responder r = responder(PLAYBOOK, false);
        PlaybookRun run = r.handle(Events.incident("e1", "inc-1", "shop", "web-1")).run("contain-pod");
        assertEquals(StepStatus.NOT_CONFIGURED, status(run, "evidence"));
        assertEquals(StepStatus.DONE, status(run, "label"), run.step("label").message());
        assertEquals(StepStatus.DONE, status(run, "netpol"), run.step("netpol").message());
        assertEquals(StepStatus.DONE, status(run, "cordon"), run.step("cordon").message());

        assertEquals("inc-1", pod("shop", "web-1").getMetadata().getLabels().get("bulwark.dev/quarantine"));
        assertNull(pod("shop", "web-2").getMetadata().getLabels().get("bulwark.dev/quarantine"), "only the incident's pod");
        NetworkPolicy np = client.network().v1().networkPolicies().inNamespace("shop").withName("bulwark-quarantine-web-1").get();
        assertNotNull(np, "the deny-all policy exists");
        assertEquals(Map.of("bulwark.dev/quarantine", "inc-1"), np.getSpec().getPodSelector().getMatchLabels());
        assertEquals(List.of("Ingress", "Egress"), np.getSpec().getPolicyTypes());
        assertTrue(np.getSpec().getIngress().isEmpty(), "no ingress rule: all ingress denied");
        assertTrue(np.getSpec().getEgress().isEmpty(), "no egress rule: all egress denied");
        assertEquals(Boolean.TRUE, client.nodes().withName("node-a").get().getSpec().getUnschedulable());

        List<StepOutcome> undone = r.release("inc-1", "alice@example.com");
        assertEquals(3, undone.size(), undone.toString());
        undone.forEach(o -> assertEquals(StepStatus.DONE, o.status(), o.toString()));
        assertNull(pod("shop", "web-1").getMetadata().getLabels().get("bulwark.dev/quarantine"), "label removed");
        assertNull(client.network().v1().networkPolicies().inNamespace("shop").withName("bulwark-quarantine-web-1").get(), "policy deleted");
        assertEquals(Boolean.FALSE, client.nodes().withName("node-a").get().getSpec().getUnschedulable(), "uncordoned");
        assertTrue(state.auditLog().stream().anyMatch(a -> a.step().equals("label#undo") && a.principal().equals("alice@example.com")));
        // a second release does nothing more
        r.release("inc-1", "alice@example.com").forEach(o -> assertEquals(StepStatus.DUPLICATE, o.status(), o.toString()));
    }

    @Test
    void deletesThePodOnlyOnceEvidenceIsRecordedForTheIncident() throws Exception {
        Responder r = responder(PLAYBOOK, false);
        PlaybookRun first = r.handle(Events.incident("e1", "inc-2", "shop", "web-1")).run("contain-pod");
        assertEquals(StepStatus.FAILED, status(first, "delete"));
        assertTrue(first.step("delete").message().contains("no evidence manifest"), first.step("delete").message());
        assertNotNull(pod("shop", "web-1"), "no evidence: the pod stays");

        // the node's evidence lands (the archive layout: incidents/yyyy/mm/dd/<incident>/manifest.json)
        Path manifest = evidence.resolve("incidents/2026/12/07/inc-3/manifest.json");
        Files.createDirectories(manifest.getParent());
        Files.writeString(manifest, "{}");
        PlaybookRun second = r.handle(Events.incident("e2", "inc-3", "shop", "web-2")).run("contain-pod");
        assertEquals(StepStatus.DONE, status(second, "delete"), second.step("delete").message());
        assertNull(pod("shop", "web-2"), "evidence recorded: the pod is deleted");
    }

    @Test
    void aProtectedNamespaceIsNeverTouched() {
        Responder r = responder(PLAYBOOK, false);
        PlaybookRun run = r.handle(Events.incident("e1", "inc-4", "kube-system", "coredns-1")).run("contain-pod");
        for (String s : List.of("label", "netpol", "delete")) assertEquals(StepStatus.REFUSED_PROTECTED_NAMESPACE, status(run, s), s);
        Pod p = pod("kube-system", "coredns-1");
        assertNotNull(p);
        assertNull(p.getMetadata().getLabels().get("bulwark.dev/quarantine"));
        assertTrue(client.network().v1().networkPolicies().inNamespace("kube-system").list().getItems().isEmpty());
    }

    @Test
    void theExecutorsRefuseAProtectedNamespaceOnTheirOwnToo() {
        // a playbook whose guardrails forgot kube-system: the executors' own list still holds
        Responder r = responder(PLAYBOOK.replace("protected_namespaces: [kube-system, bulwark]", "protected_namespaces: []"), false);
        PlaybookRun run = r.handle(Events.incident("e1", "inc-5", "kube-system", "coredns-1")).run("contain-pod");
        assertEquals(StepStatus.FAILED, status(run, "label"));
        assertTrue(run.step("label").message().contains("protected"), run.step("label").message());
        assertNull(pod("kube-system", "coredns-1").getMetadata().getLabels().get("bulwark.dev/quarantine"));
        assertTrue(client.network().v1().networkPolicies().inNamespace("kube-system").list().getItems().isEmpty());
    }

    @Test
    void dryRunChangesNothingOnTheCluster() {
        Responder r = responder(PLAYBOOK, true);
        PlaybookRun run = r.handle(Events.incident("e1", "inc-6", "shop", "web-1")).run("contain-pod");
        for (String s : List.of("label", "netpol", "cordon", "delete")) assertEquals(StepStatus.DRY_RUN, status(run, s), s);
        assertNull(pod("shop", "web-1").getMetadata().getLabels().get("bulwark.dev/quarantine"));
        assertTrue(client.network().v1().networkPolicies().inAnyNamespace().list().getItems().isEmpty());
        var spec = client.nodes().withName("node-a").get().getSpec();
        assertTrue(spec == null || spec.getUnschedulable() == null, "not cordoned");
        assertTrue(state.auditLog().stream().filter(a -> a.action().startsWith("k8s.")).allMatch(a -> a.dryRun() && a.result().equals("DRY_RUN")));
    }

    @Test
    void aReplayedIncidentEventActsOnce() {
        Responder r = responder(PLAYBOOK, false);
        r.handle(Events.incident("e1", "inc-7", "shop", "web-1"));
        // someone takes the label off by hand; the replayed event must not put it back
        client.pods().inNamespace("shop").withName("web-1").edit(p -> new PodBuilder(p).editMetadata().removeFromLabels("bulwark.dev/quarantine").endMetadata().build());
        PlaybookRun again = r.handle(Events.incident("e1", "inc-7", "shop", "web-1")).run("contain-pod");
        assertEquals(StepStatus.DUPLICATE, status(again, "label"));
        assertEquals(StepStatus.DUPLICATE, status(again, "netpol"));
        assertNull(pod("shop", "web-1").getMetadata().getLabels().get("bulwark.dev/quarantine"));
        assertEquals(1, state.auditLog().stream().filter(a -> a.step().equals("label") && a.result().equals("DONE")).count());
    }

    @Test
    void theRateLimitHolds() {
        Responder r = responder(PLAYBOOK.replace("count: 100", "count: 2").replace("""
                  - {id: cordon, action: k8s.cordon}
                """, "").replace("""
                  - {id: delete, action: k8s.delete-pod, continue_on_error: true, when: {detail: {k8s: {pod: [{exists: true}]}}}}
                """, ""), false);
        PlaybookRun a = r.handle(Events.incident("e1", "inc-8", "shop", "web-1")).run("contain-pod");
        assertEquals(StepStatus.DONE, status(a, "label"));
        assertEquals(StepStatus.DONE, status(a, "netpol"));
        PlaybookRun b = r.handle(Events.incident("e2", "inc-9", "shop", "web-2")).run("contain-pod");
        assertEquals(StepStatus.REFUSED_RATE_LIMIT, status(b, "label"), b.steps().toString());
        assertNull(pod("shop", "web-2").getMetadata().getLabels().get("bulwark.dev/quarantine"), "the third action did not happen");
        assertEquals(1, client.network().v1().networkPolicies().inNamespace("shop").list().getItems().size());
    }
}
