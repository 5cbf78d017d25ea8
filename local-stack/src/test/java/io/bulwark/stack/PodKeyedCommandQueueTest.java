package io.bulwark.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.Json;
import io.bulwark.delivery.CommandReceiver;
import io.bulwark.delivery.ShipCommand;
import io.bulwark.functions.respond.act.node.NodeCommandExecutor;
import io.bulwark.functions.respond.act.node.NodeFreezeExecutor;
import io.bulwark.functions.respond.act.node.NodeThawExecutor;
import io.bulwark.functions.respond.act.node.SqsCommandChannel;
import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Under EKS Pod Identity a sensor pod may read only {@code <prefix>-node-<its pod name>}, the queue its shipper
 * ({@code ship --node <pod name>}) creates and polls. Its alerts carry that key as {@code detail.node.command_key},
 * and respond's node commands must land on that queue, not on one named after the host that nobody reads. Both ends
 * run here against ElasticMQ (the SQS protocol): respond's {@link SqsCommandChannel} with the {@code {node}} template
 * infra/ gives it, and the shipper's {@link CommandReceiver} writing into the sensor's command spool.
 */
@Tag("servers")
class PodKeyedCommandQueueTest {
    private static final String HOST = "ip-10-0-1-23.ec2.internal";
    private static final String POD = "bulwark-sensor-7xk2p";

    private SQSRestServer server;
    private SqsClient sqs;
    private String template;

    @BeforeEach
    void start() throws Exception {
        int port = StackFixture.freePort();
        server = LocalStack.startSqs(port);
        sqs = new ShipCommand.Clients("us-east-1", true, URI.create("http://127.0.0.1:" + port), null, null).sqs();
        template = "http://127.0.0.1:" + port + "/000000000000/bulwark-node-{node}";
    }

    @AfterEach
    void stop() {
        sqs.close();
        server.stopAndWait();
    }

    private static JsonNode readTree(String json) {
        try {
            return Json.mapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The alert as the sensor writes it: the contract's record, serialised by the contract's mapper. */
    private static JsonNode alert(String commandKey) {
        AlertDetail.Node node = new AlertDetail.Node(HOST, "i-0abc", "6.18", null, commandKey);
        String nodeJson = Json.line(node);
        return readTree("""
                {"version":"0","id":"e1","detail-type":"Container Escape Alert","source":"bulwark.sensor","time":"2026-12-07T04:30:00Z",
                 "resources":[],
                 "detail":{"id":"a1","rule":"Write to core_pattern","priority":"CRITICAL","severity":8.0,
                   "process":{"pid":4242,"tid":4242,"ppid":4200,"comm":"sh","exe":"/bin/sh","start_time":987654},
                   "container":{"id":"c0ffee","name":"app"},"node":%s,
                   "k8s":{"namespace":"shop","pod":"web-1"}}}
                """.formatted(nodeJson));
    }

    private static ActionRequest request(String action, JsonNode event, String step) {
        return new ActionRequest(action, Map.of(), "container/c0ffee", event, "inc-1", "default", step, "inc-1/" + step,
                Instant.parse("2026-12-07T04:30:01Z"));
    }

    private int spooled(Path spool) throws Exception {
        try (Stream<Path> s = Files.list(spool)) {
            return (int) s.filter(p -> p.getFileName().toString().endsWith(".json")).count();
        }
    }

    @Test
    void respondsFreezeReachesTheShipperPollingThePodNamedQueue(@TempDir Path spool) throws Exception {
        // the shipper on the node starts first and creates its own queue from the template, keyed by --node
        String podQueue = CommandReceiver.ensureNodeQueue(sqs, template, POD);
        assertTrue(podQueue.endsWith("/bulwark-node-" + POD), podQueue);

        JsonNode event = alert(POD);
        assertEquals(POD, event.at("/detail/node/command_key").asText(), "the alert names the queue key: " + event);
        ActionResult r = new NodeFreezeExecutor(new SqsCommandChannel(sqs, template), "respond").execute(request("node.freeze", event, "freeze"));
        assertEquals(ActionResult.Status.DONE, r.status(), r.message());
        assertTrue(r.message().contains("bulwark-node-" + POD), r.message());
        assertEquals(POD, r.details().get("command_key"), "the audit record keeps the queue key: " + r.details());

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (CommandReceiver receiver = new CommandReceiver(sqs, podQueue, spool, new PrintStream(log, true), 1)) {
            assertEquals(1, receiver.pollOnce(), "the pod's shipper receives the freeze: " + log);
        }
        assertEquals(1, spooled(spool));
        JsonNode cmd;
        try (Stream<Path> s = Files.list(spool)) {
            cmd = readTree(Files.readString(s.filter(p -> p.getFileName().toString().endsWith(".json")).findFirst().orElseThrow()));
        }
        assertEquals("freeze", cmd.path("action").asText());
        assertEquals(HOST, cmd.path("node").asText(), "the command still names the host: the sensor runs only its own node's commands");
        assertEquals("c0ffee", cmd.at("/target/container").asText());

        // nothing went to a queue named after the host (nobody under Pod Identity may read it)
        List<String> queues = sqs.listQueues(b -> b.queueNamePrefix("bulwark-node-")).queueUrls();
        assertEquals(List.of(podQueue), queues, "only the pod's queue exists: " + queues);
    }

    @Test
    void releaseFindsThePodNamedQueueFromTheEarlierCommand(@TempDir Path spool) throws Exception {
        String podQueue = CommandReceiver.ensureNodeQueue(sqs, template, POD);
        ActionResult freeze = new NodeFreezeExecutor(new SqsCommandChannel(sqs, template), "respond").execute(request("node.freeze", alert(POD), "freeze"));
        assertEquals(ActionResult.Status.DONE, freeze.status(), freeze.message());

        // a release has no alert: the node and its queue key come from the earlier command's audit details
        JsonNode noEvent = readTree("{\"detail\":{}}");
        Map<String, Object> earlier = freeze.details();
        NodeCommandExecutor thaw = new NodeThawExecutor(new SqsCommandChannel(sqs, template), "respond")
                .nodeOfIncident(i -> new NodeCommandExecutor.Address(String.valueOf(earlier.get("node")), (String) earlier.get("command_key")));
        ActionResult r = thaw.execute(request("node.thaw", noEvent, "freeze-undo"));
        assertEquals(ActionResult.Status.DONE, r.status(), r.message());

        try (CommandReceiver receiver = new CommandReceiver(sqs, podQueue, spool, new PrintStream(new ByteArrayOutputStream(), true), 1)) {
            int got = receiver.pollOnce();
            if (got < 2) got += receiver.pollOnce();
            assertEquals(2, got, "freeze and thaw both on the pod's queue");
        }
        assertEquals(2, spooled(spool));
    }

    @Test
    void withoutACommandKeyTheHostNamedQueueIsUsed(@TempDir Path spool) throws Exception {
        // IRSA or a plain EC2 host: the shipper's --node is the host name, and the alert has no command_key
        JsonNode event = alert(null);
        assertTrue(event.at("/detail/node/command_key").isMissingNode(), "no command_key in the JSON when the key is the host: " + event);
        String hostQueue = CommandReceiver.ensureNodeQueue(sqs, template, HOST);
        ActionResult r = new NodeFreezeExecutor(new SqsCommandChannel(sqs, template), "respond").execute(request("node.freeze", event, "freeze"));
        assertEquals(ActionResult.Status.DONE, r.status(), r.message());
        assertTrue(!r.details().containsKey("command_key"), r.details().toString());
        try (CommandReceiver receiver = new CommandReceiver(sqs, hostQueue, spool, new PrintStream(new ByteArrayOutputStream(), true), 1)) {
            assertEquals(1, receiver.pollOnce());
        }
        assertTrue(hostQueue.endsWith("/bulwark-node-ip-10-0-1-23-ec2-internal"), hostQueue);
    }
}
