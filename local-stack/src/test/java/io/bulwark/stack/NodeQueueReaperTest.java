package io.bulwark.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Json;
import io.bulwark.delivery.ShipCommand;
import io.bulwark.functions.bus.FindingBus;
import io.bulwark.functions.bus.LocalEventBus;
import io.bulwark.functions.enrich.KubernetesClients;
import io.bulwark.functions.reaper.NodeQueueReaper;
import io.bulwark.functions.reaper.NodeQueueReaper.Action;
import io.bulwark.functions.reaper.NodeQueueReaper.Decision;
import io.bulwark.functions.reaper.NodeQueueReaperLambda;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The node-queue-reaper (functions, io.bulwark.functions.reaper) against ElasticMQ, which speaks the SQS protocol
 * (ListQueues by prefix, tags, attributes, DeleteQueue), a hand-written EC2 Query server (EC2 has no emulator
 * here: {@link Ec2InstancesStandIn}) and, for the queues EKS Pod Identity names by the sensor pod, fabric8's
 * Kubernetes mock server (CRUD mode: pods created and deleted through the API; expectations mode for a 403).
 * What a user depends on: the queues of nodes that are gone disappear, every other queue stays, and each guardrail
 * keeps a queue with its reason.
 */
@Tag("servers")
class NodeQueueReaperTest {
    private static final String PREFIX = "bulwark-node-";
    private static final String ARN = "arn:aws:ec2:us-east-1:000000000000:instance/";
    /** Two days from now: every queue created by the test is past the 24 h minimum age. */
    private static final Clock LATER = Clock.fixed(Instant.now().plus(Duration.ofDays(2)), ZoneOffset.UTC);

    private SQSRestServer server;
    private SqsClient sqs;
    private Ec2InstancesStandIn ec2Server;
    private Ec2Client ec2;
    private final List<Decision> audited = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        int port = StackFixture.freePort();
        server = LocalStack.startSqs(port);
        sqs = new ShipCommand.Clients("us-east-1", true, URI.create("http://127.0.0.1:" + port), null, null).sqs();
        ec2Server = new Ec2InstancesStandIn();
        ec2 = ec2Client(ec2Server.endpoint());
    }

    @AfterEach
    void stop() {
        sqs.close();
        ec2.close();
        ec2Server.close();
        server.stopAndWait();
    }

    static Ec2Client ec2Client(String endpoint) {
        return Ec2Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(Duration.ofSeconds(10)).build())
                .endpointOverride(URI.create(endpoint)).build();
    }

    private String queue(String name, Map<String, String> tags) {
        return sqs.createQueue(b -> b.queueName(name).tags(tags)).queueUrl();
    }

    private Set<String> queues() {
        return sqs.listQueues(b -> b.queueNamePrefix("")).queueUrls().stream().map(u -> u.substring(u.lastIndexOf('/') + 1))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private NodeQueueReaper reaper(Clock clock, int maxDeletions, boolean dryRun) {
        return new NodeQueueReaper(sqs, ec2, new NodeQueueReaper.Settings(PREFIX, Set.of("bulwark-node-commands-dlq"), Duration.ofHours(24), maxDeletions, dryRun),
                clock, audited::add);
    }

    private static Decision of(NodeQueueReaper.Result r, String queue) {
        return r.decisions().stream().filter(d -> d.queue().equals(queue)).findFirst().orElseThrow(() -> new AssertionError("no decision for " + queue + ": " + r));
    }

    @Test
    void deletesTheQueuesOfNodesThatAreGoneAndKeepsEveryOther() {
        ec2Server.add("i-0aaaaaaaaaaaaaaa2", "running", "10.0.9.9", "ip-10-0-9-9.ec2.internal");
        ec2Server.add("i-0aaaaaaaaaaaaaaa1", "terminated", "10.0.9.8", "ip-10-0-9-8.ec2.internal");
        ec2Server.add("i-0eeeeeeeeeeeeeee1", "running", "10.0.1.23", "ip-10-0-1-23.ec2.internal");
        ec2Server.add("i-0eeeeeeeeeeeeeee2", "terminated", "10.0.1.24", "ip-10-0-1-24.ec2.internal");
        // 10.0.1.25: the old node is terminated, a new one has its IP (and so its host name): its queue again
        ec2Server.add("i-0eeeeeeeeeeeeeee3", "terminated", "10.0.1.25", "ip-10-0-1-25.ec2.internal");
        ec2Server.add("i-0eeeeeeeeeeeeeee4", "running", "10.0.1.25", "ip-10-0-1-25.ec2.internal");
        ec2Server.add("i-0dddddddddddddd01", "stopped", "10.0.2.1", "ip-10-0-2-1.ec2.internal");

        queue("bulwark-node-commands-dlq", Map.of());
        queue("bulwark-alerts", Map.of());
        queue("other-node-i-0aaaaaaaaaaaaaaa1", Map.of());
        queue("bulwark-node-i-0aaaaaaaaaaaaaaa1", Map.of());                                   // terminated
        queue("bulwark-node-i-0aaaaaaaaaaaaaaa2", Map.of());                                   // running
        queue("bulwark-node-build-host-1", Map.of("bulwark:instance-arn", ARN + "i-0bbbbbbbbbbbbbbb1")); // unknown to EC2
        queue("bulwark-node-build-host-2", Map.of("bulwark:instance-arn", ARN + "i-0dddddddddddddd01")); // stopped: still there
        queue("bulwark-node-ip-10-0-1-23-ec2-internal", Map.of());                             // running
        queue("bulwark-node-ip-10-0-1-24-ec2-internal", Map.of());                             // terminated
        queue("bulwark-node-ip-10-0-1-25", Map.of());                                          // short host name, IP reused
        queue("bulwark-node-ip-10-0-1-26-ec2-internal", Map.of());                             // no instance with that IP
        queue("bulwark-node-bulwark-sensor-x7k2p", Map.of());                                  // a pod name
        String busy = queue("bulwark-node-i-0ccccccccccccccc1", Map.of());                     // gone, but holds a command
        sqs.sendMessage(b -> b.queueUrl(busy).messageBody("{\"id\":\"respond-freeze-1\"}"));
        queue("bulwark-node-i-0fffffffffffffff1", Map.of("bulwark:managed-by", "terraform")); // gone, Terraform's

        NodeQueueReaper.Result r = reaper(LATER, 10, false).run();
        r.decisions().forEach(d -> System.out.println("decision: " + d.action() + " " + d.queue() + ": " + d.reason()));

        assertEquals(Set.of("bulwark-alerts", "other-node-i-0aaaaaaaaaaaaaaa1", "bulwark-node-commands-dlq", "bulwark-node-i-0aaaaaaaaaaaaaaa2",
                "bulwark-node-build-host-2", "bulwark-node-ip-10-0-1-23-ec2-internal", "bulwark-node-ip-10-0-1-25",
                "bulwark-node-bulwark-sensor-x7k2p", "bulwark-node-i-0ccccccccccccccc1", "bulwark-node-i-0fffffffffffffff1"), queues(),
                "the queues of the three gone instances and the IP nobody has are deleted; nothing else");
        assertEquals(4, r.deleted());
        assertEquals(Action.DELETED, of(r, "bulwark-node-i-0aaaaaaaaaaaaaaa1").action());
        assertTrue(of(r, "bulwark-node-i-0aaaaaaaaaaaaaaa1").reason().contains("is terminated"));
        assertTrue(of(r, "bulwark-node-build-host-1").reason().contains("InvalidInstanceID.NotFound"), of(r, "bulwark-node-build-host-1").reason());
        assertEquals("i-0bbbbbbbbbbbbbbb1", of(r, "bulwark-node-build-host-1").instance());
        assertEquals(Action.DELETED, of(r, "bulwark-node-ip-10-0-1-24-ec2-internal").action());
        assertEquals(Action.DELETED, of(r, "bulwark-node-ip-10-0-1-26-ec2-internal").action());
        assertTrue(of(r, "bulwark-node-build-host-2").reason().contains("is stopped"));
        assertEquals("i-0eeeeeeeeeeeeeee4", of(r, "bulwark-node-ip-10-0-1-25").instance(), "the live instance with the reused IP");
        assertTrue(of(r, "bulwark-node-bulwark-sensor-x7k2p").reason().startsWith("no instance binding"));
        assertTrue(of(r, "bulwark-node-i-0ccccccccccccccc1").reason().contains("holds 1 message"), of(r, "bulwark-node-i-0ccccccccccccccc1").reason());
        assertTrue(of(r, "bulwark-node-i-0fffffffffffffff1").reason().contains("Terraform's queue"));
        assertTrue(of(r, "bulwark-node-commands-dlq").reason().contains("dead-letter"));
        assertFalse(r.decisions().stream().anyMatch(d -> d.queue().equals("bulwark-alerts") || d.queue().startsWith("other-")), "only the prefix is looked at");
        // every decision audited, each deletion once
        assertEquals(r.decisions().size(), audited.size());
        assertEquals(4, audited.stream().filter(d -> d.action() == Action.DELETED).count());
        // a pod-named queue costs no EC2 call; the guardrails come after EC2 said "gone"
        assertFalse(ec2Server.requests().stream().anyMatch(p -> p.toString().contains("x7k2p")));
    }

    @Test
    void guardrailsMinimumAgeMaxDeletionsDryRun() {
        for (String id : List.of("i-01111111111111111", "i-02222222222222222", "i-03333333333333333")) {
            ec2Server.add(id, "terminated", "10.0.3.1", "ip-10-0-3-1.ec2.internal");
            queue(PREFIX + id, Map.of());
        }
        // young queues: created just now, under the 24 h minimum age
        NodeQueueReaper.Result young = reaper(Clock.systemUTC(), 10, false).run();
        assertEquals(0, young.deleted());
        assertTrue(young.decisions().stream().allMatch(d -> d.reason().contains("under the minimum age")), young.toString());

        NodeQueueReaper.Result dry = reaper(LATER, 10, true).run();
        assertEquals(0, dry.deleted());
        assertTrue(dry.decisions().stream().allMatch(d -> d.action() == Action.WOULD_DELETE), dry.toString());
        assertEquals(3, queues().size(), "a dry run deletes nothing");

        NodeQueueReaper.Result one = reaper(LATER, 1, false).run();
        assertEquals(1, one.deleted());
        assertEquals(2, one.decisions().stream().filter(d -> d.reason().contains("max-deletions")).count());
        assertEquals(2, queues().size());
    }

    @Test
    void withoutAnAnswerFromEc2NothingIsDeleted() {
        queue("bulwark-node-i-04444444444444444", Map.of());
        queue("bulwark-node-ip-10-0-4-4-ec2-internal", Map.of());
        ec2Server.close(); // EC2 unreachable: connection refused
        NodeQueueReaper.Result r = reaper(LATER, 10, false).run();
        assertEquals(0, r.deleted());
        assertTrue(r.decisions().stream().allMatch(d -> d.action() == Action.KEPT && d.reason().contains("EC2 did not answer")), r.toString());
        assertEquals(2, queues().size());
    }

    @Test
    void aDeletionWhoseAuditRecordFailsDoesNotHappen() {
        queue("bulwark-node-i-05555555555555555", Map.of());
        NodeQueueReaper failingAudit = new NodeQueueReaper(sqs, ec2, new NodeQueueReaper.Settings(PREFIX, Set.of(), Duration.ofHours(24), 10, false), LATER, d -> {
            if (d.action() == Action.DELETED) {
                throw new IllegalStateException("bus unreachable");
            }
        });
        NodeQueueReaper.Result r = failingAudit.run();
        assertEquals(0, r.deleted());
        assertTrue(r.decisions().get(0).reason().contains("audit record could not be written (bus unreachable)"), r.toString());
        assertEquals(Set.of("bulwark-node-i-05555555555555555"), queues());
    }

    @Test
    void theLambdasAuditPutsTheEventOnTheBusBeforeTheDeletionAndRefusesWithoutIt() throws Exception {
        queue("bulwark-node-i-06666666666666666", Map.of());
        LocalEventBus bus = new LocalEventBus().addRule("reaped", "{\"source\": [\"bulwark.reaper\"], \"detail-type\": [\"Bulwark Queue Reaped\"]}");
        List<String> events = new ArrayList<>();
        bus.subscribe("reaped", e -> {
            events.add(e);
            assertEquals(Set.of("bulwark-node-i-06666666666666666"), queues(), "the event is on the bus while the queue still exists");
        });
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        NodeQueueReaper.Result r = new NodeQueueReaper(sqs, ec2, new NodeQueueReaper.Settings(PREFIX, Set.of(), Duration.ofHours(24), 10, false), LATER,
                NodeQueueReaperLambda.audit(bus, new PrintStream(log, true, StandardCharsets.UTF_8))).run();
        assertEquals(1, r.deleted());
        assertEquals(Set.of(), queues());
        assertEquals(1, events.size());
        JsonNode e = Json.mapper().readTree(events.get(0));
        assertEquals("bulwark-node-i-06666666666666666", e.path("detail").path("queue").asText());
        assertEquals("i-06666666666666666", e.path("detail").path("instance").asText());
        assertEquals("deleted", e.path("detail").path("action").asText());
        assertTrue(e.path("detail").path("reason").asText().contains("InvalidInstanceID.NotFound"));
        System.out.println("audit line: " + log.toString(StandardCharsets.UTF_8).strip());
        System.out.println("bus event: " + events.get(0));
        JsonNode line = Json.mapper().readTree(log.toString(StandardCharsets.UTF_8).strip());
        assertEquals("deleted", line.path("action").asText());

        // a bus that refuses the event: the queue stays
        queue("bulwark-node-i-07777777777777777", Map.of());
        FindingBus refusing = new FindingBus() {
            @Override
            public String name() {
                return "refusing";
            }

            @Override
            public List<Delivery> publishEntries(List<Entry> entries) {
                return entries.stream().map(x -> new Delivery(null, "AccessDeniedException: not authorized to perform events:PutEvents", List.of())).toList();
            }
        };
        assertThrows(java.io.IOException.class, () -> NodeQueueReaperLambda.audit(refusing, new PrintStream(new ByteArrayOutputStream()))
                .record(new Decision("u", "q", "n", null, Action.DELETED, "r", Instant.now().toString())));
        NodeQueueReaper.Result kept = new NodeQueueReaper(sqs, ec2, new NodeQueueReaper.Settings(PREFIX, Set.of(), Duration.ofHours(24), 10, false), LATER,
                NodeQueueReaperLambda.audit(refusing, new PrintStream(new ByteArrayOutputStream()))).run();
        assertEquals(0, kept.deleted());
        assertTrue(kept.decisions().get(0).reason().contains("AccessDeniedException"), kept.toString());
        assertEquals(Set.of("bulwark-node-i-07777777777777777"), queues());
    }

    // --- pod-named queues (EKS Pod Identity: the key is the sensor pod's name) -------------------------------------

    private static final String NS = "bulwark";

    /** fabric8's mock API server in CRUD mode: pods are created, read and deleted as on a cluster. */
    private static KubernetesMockServer crudApi() {
        KubernetesMockServer k8s = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        k8s.init();
        return k8s;
    }

    /** The reaper's client as the Lambda builds it (KubernetesClients: no retries, 5 s request, 3 s connect). */
    private static KubernetesClient client(KubernetesMockServer k8s) {
        return KubernetesClients.build(Optional.of(k8s.url("/")), Optional.empty(), Optional.empty(), true, Duration.ofSeconds(5), Duration.ofSeconds(3));
    }

    private static void sensorPod(KubernetesClient c, String name) {
        c.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(name).withNamespace(NS)
                .addToLabels("app.kubernetes.io/name", "bulwark-sensor").endMetadata()
                .withNewSpec().withNodeName("ip-10-0-7-7.ec2.internal").addNewContainer().withName("sensor").withImage("bulwark/sensor:1").endContainer().endSpec()
                .withNewStatus().withPhase("Running").endStatus().build()).create();
    }

    private static List<String> paths(KubernetesMockServer k8s) throws InterruptedException {
        List<String> out = new ArrayList<>();
        for (RecordedRequest r; (r = k8s.takeRequest(100, TimeUnit.MILLISECONDS)) != null; ) {
            out.add(r.getMethod() + " " + r.getPath());
        }
        return out;
    }

    private NodeQueueReaper podReaper(KubernetesClient k8s, String namespace, NodeQueueReaper.Audit audit) {
        return new NodeQueueReaper(sqs, ec2, k8s, null, new NodeQueueReaper.Settings(PREFIX, Set.of("bulwark-node-commands-dlq"), Duration.ofHours(24), 10, false,
                namespace, null), LATER, audit);
    }

    @Test
    void aPodNamedQueueIsDeletedWhenItsPodIsGoneAndKeptWhileItExists() throws Exception {
        KubernetesMockServer api = crudApi();
        try (KubernetesClient admin = client(api); KubernetesClient k8s = client(api)) {
            sensorPod(admin, "bulwark-sensor-x7k2p");                                    // the node's pod now
            sensorPod(admin, "bulwark-sensor-q4m9z");                                    // the pod before the rollout...
            admin.pods().inNamespace(NS).withName("bulwark-sensor-q4m9z").delete();       // ...deleted by it
            sensorPod(admin, "bulwark-sensor-b5t8w");
            admin.pods().inNamespace(NS).withName("bulwark-sensor-b5t8w").delete();
            paths(api);

            queue("bulwark-node-commands-dlq", Map.of());
            queue("bulwark-node-bulwark-sensor-x7k2p", Map.of());   // its pod exists
            queue("bulwark-node-bulwark-sensor-q4m9z", Map.of());   // its pod was deleted
            String busy = queue("bulwark-node-bulwark-sensor-b5t8w", Map.of()); // pod deleted, but a command waits
            sqs.sendMessage(b -> b.queueUrl(busy).messageBody("{\"id\":\"respond-freeze-2\"}"));
            queue("bulwark-node-build-host-9", Map.of());            // a custom host name: not a pod name
            queue("bulwark-node-bulwark-sensor-q4m9z-old", Map.of()); // not the DaemonSet's pod-name shape

            LocalEventBus bus = new LocalEventBus().addRule("reaped", "{\"source\": [\"bulwark.reaper\"], \"detail-type\": [\"Bulwark Queue Reaped\"]}");
            List<String> events = new ArrayList<>();
            bus.subscribe("reaped", e -> {
                events.add(e);
                assertTrue(queues().contains("bulwark-node-bulwark-sensor-q4m9z"), "the event is on the bus while the queue still exists");
            });
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            NodeQueueReaper.Audit lambdaAudit = NodeQueueReaperLambda.audit(bus, new PrintStream(log, true, StandardCharsets.UTF_8));
            NodeQueueReaper.Result r = podReaper(k8s, NS, d -> {
                audited.add(d);
                lambdaAudit.record(d);
            }).run();
            r.decisions().forEach(d -> System.out.println("decision: " + d.action() + " " + d.queue() + ": " + d.reason()));

            assertEquals(Set.of("bulwark-node-commands-dlq", "bulwark-node-bulwark-sensor-x7k2p", "bulwark-node-bulwark-sensor-b5t8w",
                    "bulwark-node-build-host-9", "bulwark-node-bulwark-sensor-q4m9z-old"), queues(), "only the deleted pod's empty queue is deleted");
            assertEquals(1, r.deleted());
            assertEquals(Action.DELETED, of(r, "bulwark-node-bulwark-sensor-q4m9z").action());
            assertTrue(of(r, "bulwark-node-bulwark-sensor-q4m9z").reason().startsWith("pod bulwark/bulwark-sensor-q4m9z does not exist (Kubernetes answered 404); empty"),
                    of(r, "bulwark-node-bulwark-sensor-q4m9z").reason());
            assertEquals("pod bulwark/bulwark-sensor-x7k2p exists (Running on ip-10-0-7-7.ec2.internal)", of(r, "bulwark-node-bulwark-sensor-x7k2p").reason());
            assertTrue(of(r, "bulwark-node-bulwark-sensor-b5t8w").reason().contains("does not exist (Kubernetes answered 404); holds 1 message(s)"),
                    of(r, "bulwark-node-bulwark-sensor-b5t8w").reason());
            assertTrue(of(r, "bulwark-node-build-host-9").reason().startsWith("no instance binding")
                    && of(r, "bulwark-node-build-host-9").reason().contains("nor a pod name of DaemonSet bulwark/bulwark-sensor"), of(r, "bulwark-node-build-host-9").reason());
            assertTrue(of(r, "bulwark-node-bulwark-sensor-q4m9z-old").reason().startsWith("no instance binding"));

            // audited: every decision; the deletion as a bus event before the delete and as a log line
            assertEquals(r.decisions().size(), audited.size());
            assertEquals(1, events.size());
            JsonNode e = Json.mapper().readTree(events.get(0));
            assertEquals("bulwark-node-bulwark-sensor-q4m9z", e.path("detail").path("queue").asText());
            assertEquals("bulwark-sensor-q4m9z", e.path("detail").path("node").asText());
            assertEquals("deleted", e.path("detail").path("action").asText());
            assertTrue(e.path("detail").path("reason").asText().contains("Kubernetes answered 404"));
            assertTrue(log.toString(StandardCharsets.UTF_8).contains("\"action\":\"deleted\""));
            System.out.println("bus event: " + events.get(0));

            // Kubernetes was asked exactly GET of each pod-shaped queue's pod in the namespace; EC2 not at all
            List<String> asked = paths(api);
            assertEquals(Set.of("GET /api/v1/namespaces/bulwark/pods/bulwark-sensor-x7k2p", "GET /api/v1/namespaces/bulwark/pods/bulwark-sensor-q4m9z",
                    "GET /api/v1/namespaces/bulwark/pods/bulwark-sensor-b5t8w"), new TreeSet<>(asked), asked.toString());
            assertEquals(3, asked.size());
            assertTrue(ec2Server.requests().isEmpty(), ec2Server.requests().toString());

            // the node's next pod: the queue of the pod that is still there survives the next run too
            NodeQueueReaper.Result again = podReaper(k8s, NS, audited::add).run();
            assertEquals(0, again.deleted());
            assertTrue(queues().contains("bulwark-node-bulwark-sensor-x7k2p"));
        } finally {
            api.destroy();
        }
    }

    @Test
    void kubernetesDownOrRefusingKeepsEveryPodNamedQueue() throws Exception {
        queue("bulwark-node-bulwark-sensor-q4m9z", Map.of());
        queue("bulwark-node-bulwark-sensor-r8w2d", Map.of());
        queue("bulwark-node-i-08888888888888888", Map.of()); // EC2 still decides the queues it binds

        // unreachable: connection refused
        KubernetesMockServer api = crudApi();
        KubernetesClient k8s = client(api);
        api.destroy();
        try {
            NodeQueueReaper.Result down = podReaper(k8s, NS, audited::add).run();
            down.decisions().forEach(d -> System.out.println("decision: " + d.action() + " " + d.queue() + ": " + d.reason()));
            assertEquals(1, down.deleted(), "only the queue of the instance EC2 does not know");
            assertEquals(Set.of("bulwark-node-bulwark-sensor-q4m9z", "bulwark-node-bulwark-sensor-r8w2d"), queues());
            List<Decision> pods = down.decisions().stream().filter(d -> d.node().startsWith("bulwark-sensor-")).toList();
            assertTrue(pods.stream().allMatch(d -> d.action() == Action.KEPT && d.reason().contains("Kubernetes did not say")), pods.toString());
            assertTrue(pods.stream().allMatch(d -> d.reason().contains("ConnectException")), pods.toString());
            assertEquals(1, pods.stream().filter(d -> d.reason().contains("not asked: Kubernetes did not say earlier in this run")).count(),
                    "after the first failure Kubernetes is not asked again: " + pods);
        } finally {
            k8s.close();
        }

        // 403 (the access entry or the RoleBinding missing) and 500: kept, the status in the reason
        for (int status : new int[] {403, 500}) {
            KubernetesMockServer refusing = new KubernetesMockServer(false);
            refusing.init();
            try (KubernetesClient c = client(refusing)) {
                String why = status == 403 ? "pods \"%s\" is forbidden: User \"bulwark-node-queue-reaper\" cannot get resource \"pods\" in the namespace \"bulwark\""
                        : "etcdserver: request timed out (%s)";
                for (String pod : List.of("bulwark-sensor-q4m9z", "bulwark-sensor-r8w2d")) {
                    refusing.expect().get().withPath("/api/v1/namespaces/bulwark/pods/" + pod)
                            .andReturn(status, new StatusBuilder().withCode(status).withMessage(why.formatted(pod)).build()).always();
                }
                NodeQueueReaper.Result r = podReaper(c, NS, audited::add).run();
                r.decisions().forEach(d -> System.out.println("decision (" + status + "): " + d.action() + " " + d.queue() + ": " + d.reason()));
                assertEquals(0, r.deleted());
                assertEquals(Set.of("bulwark-node-bulwark-sensor-q4m9z", "bulwark-node-bulwark-sensor-r8w2d"), queues());
                assertTrue(r.decisions().stream().allMatch(d -> d.action() == Action.KEPT && d.reason().contains("Kubernetes did not say")), r.toString());
                assertTrue(r.decisions().stream().anyMatch(d -> d.reason().contains("HTTP " + status + ": " + why.formatted("bulwark-sensor-q4m9z"))), r.toString());
                assertEquals(1, refusing.getRequestCount(), "one request, then no more this run");
            } finally {
                refusing.destroy();
            }
        }
    }

    @Test
    void aNamespaceWhereNoneOfThePodsExistsDeletesNothing() throws Exception {
        KubernetesMockServer api = crudApi();
        try (KubernetesClient k8s = client(api)) {
            sensorPod(k8s, "bulwark-sensor-x7k2p");
            queue("bulwark-node-bulwark-sensor-x7k2p", Map.of());
            queue("bulwark-node-bulwark-sensor-q4m9z", Map.of());
            // a wrong namespace: 404 for every pod, the running one's too
            NodeQueueReaper.Result r = podReaper(k8s, "bulwark-sensors", audited::add).run();
            r.decisions().forEach(d -> System.out.println("decision: " + d.action() + " " + d.queue() + ": " + d.reason()));
            assertEquals(0, r.deleted());
            assertTrue(r.decisions().stream().allMatch(d -> d.action() == Action.KEPT && d.reason().contains("a wrong bulwark.reaper.sensor-namespace looks the same")),
                    r.toString());
            assertEquals(2, queues().size());
        } finally {
            api.destroy();
        }
    }

    @Test
    void withoutANamespaceOrAClientKubernetesIsNotAsked() throws Exception {
        KubernetesMockServer api = crudApi();
        try (KubernetesClient k8s = client(api)) {
            queue("bulwark-node-bulwark-sensor-q4m9z", Map.of());
            NodeQueueReaper.Result off = podReaper(k8s, null, audited::add).run();
            assertEquals(0, off.deleted());
            assertTrue(off.decisions().get(0).reason().startsWith("no instance binding (no bulwark:instance-arn tag; the node name is neither an instance id nor an EC2 private DNS name): "),
                    off.toString());
            assertEquals(0, api.getRequestCount(), "no namespace: Kubernetes not asked");
            NodeQueueReaper noClient = new NodeQueueReaper(sqs, ec2, null, "the Kubernetes API is off (bulwark.kubernetes.enabled=false)",
                    new NodeQueueReaper.Settings(PREFIX, Set.of(), Duration.ofHours(24), 10, false, NS, null), LATER, audited::add);
            NodeQueueReaper.Result r = noClient.run();
            assertEquals(0, r.deleted());
            assertEquals("no instance binding; pod bulwark/bulwark-sensor-q4m9z not asked: the Kubernetes API is off (bulwark.kubernetes.enabled=false) (kept)",
                    r.decisions().get(0).reason());
            assertEquals(Set.of("bulwark-node-bulwark-sensor-q4m9z"), queues());
        } finally {
            api.destroy();
        }
    }

    @Test
    void badSettingsSayWhichKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new NodeQueueReaper.Settings(" ", Set.of(), Duration.ZERO, 1, false));
        assertTrue(e.getMessage().contains("bulwark.reaper.queue-prefix"));
        IllegalArgumentException ns = assertThrows(IllegalArgumentException.class,
                () -> new NodeQueueReaper.Settings(PREFIX, Set.of(), Duration.ZERO, 1, false, "Bulwark Sensors", null));
        assertTrue(ns.getMessage().contains("bulwark.reaper.sensor-namespace"), ns.getMessage());
        assertEquals(null, new NodeQueueReaper.Settings(PREFIX, Set.of(), Duration.ZERO, 1, false, " ", null).sensorNamespace(), "blank: off");
    }
}
