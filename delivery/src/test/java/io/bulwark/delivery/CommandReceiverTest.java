package io.bulwark.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The shipper's command receiver against a real SQS server (ElasticMQ, embedded on a free port, as the
 * local stack runs it): each message becomes one command file in the spool, written atomically, and
 * is deleted from the queue only after that; a redelivered command makes no second file; a message
 * whose file cannot be written stays on the queue and arrives once the spool works again.
 */
@Tag("servers")
class CommandReceiverTest {
    static SQSRestServer server;
    static SqsClient sqs;

    @BeforeAll
    static void start() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(port)
                .withServerAddress(new NodeAddress("http", "127.0.0.1", port, "")).start();
        server.waitUntilStarted();
        sqs = SqsClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .httpClientBuilder(software.amazon.awssdk.http.apache.ApacheHttpClient.builder()).build();
    }

    @AfterAll
    static void stop() {
        sqs.close();
        server.stopAndWait();
    }

    static String queue(String name) {
        return sqs.createQueue(b -> b.queueName(name + "-" + System.nanoTime()).attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "1"))).queueUrl();
    }

    static int onQueue(String q) {
        var a = sqs.getQueueAttributes(b -> b.queueUrl(q).attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    static final String FREEZE = "{\"id\":\"c-1\",\"incident\":\"inc-1\",\"action\":\"freeze\",\"target\":{\"container\":\"bw-1\"},"
            + "\"requested_by\":\"respond\",\"issued_at\":\"2026-12-07T03:00:00Z\"}";

    @Test
    void aPerNodeQueueUrlIsTheRespondFunctionsQueueForThisNodeAndIsCreatedAtStart(@TempDir Path dir) throws Exception {
        String any = queue("probe");
        String template = any.substring(0, any.lastIndexOf('/') + 1) + "bulwark-node-{node}";
        String node = "ip-10-0-1-17.eu-west-1.compute.internal." + System.nanoTime();
        String url = CommandReceiver.ensureNodeQueue(sqs, template, node);
        // the same name the respond function sends to (SqsCommandChannel cleans the node name the same way)
        assertTrue(url.endsWith("/bulwark-node-" + node.replace('.', '-')), url);
        assertEquals(url, CommandReceiver.ensureNodeQueue(sqs, template, node), "a restart finds the same queue");
        sqs.sendMessage(b -> b.queueUrl(CommandReceiver.forNode(template, node)).messageBody(FREEZE));
        Path spool = dir.resolve("commands");
        CommandReceiver r = new CommandReceiver(sqs, url, spool, System.err, 1);
        assertEquals(1, r.pollOnce());
        assertTrue(Files.isRegularFile(spool.resolve("c-1.json")));
        assertEquals(any, CommandReceiver.ensureNodeQueue(sqs, any, node), "a fixed URL is used as it is");
    }

    @Test
    void eachMessageBecomesOneSpoolFileAndLeavesTheQueue(@TempDir Path dir) throws Exception {
        String q = queue("cmds");
        Path spool = dir.resolve("commands");
        sqs.sendMessage(b -> b.queueUrl(q).messageBody(FREEZE));
        sqs.sendMessage(b -> b.queueUrl(q).messageBody(FREEZE.replace("c-1", "c-2").replace("freeze", "thaw")));
        sqs.sendMessage(b -> b.queueUrl(q).messageBody(FREEZE)); // the same command twice (at-least-once upstream)
        sqs.sendMessage(b -> b.queueUrl(q).messageBody("this is not json"));
        CommandReceiver r = new CommandReceiver(sqs, q, spool, System.err, 1);
        int got = 0;
        for (int i = 0; i < 10 && got < 4; i++) {
            got += r.pollOnce();
        }
        assertEquals(4, got);
        assertEquals(FREEZE, Files.readString(spool.resolve("c-1.json")), "the message body, as it came");
        assertTrue(Files.readString(spool.resolve("c-2.json")).contains("\"thaw\""));
        try (var s = Files.list(spool)) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(3, names.size(), names.toString());
            assertTrue(names.stream().anyMatch(n -> n.startsWith("invalid-") && n.endsWith(".json")), "the sensor rejects it with its reason: " + names);
            assertTrue(names.stream().noneMatch(n -> n.startsWith(".")), "no temporary file left: " + names);
        }
        assertEquals(1, r.duplicates());
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(spool)));
        assertEquals(0, onQueue(q), "every message deleted once its file was written");
        // a command already run by the sensor (its result in done/) is not written again
        Files.delete(spool.resolve("c-1.json"));
        Files.createDirectories(spool.resolve("done"));
        Files.writeString(spool.resolve("done/c-1.json"), "{}");
        sqs.sendMessage(b -> b.queueUrl(q).messageBody(FREEZE));
        int n = 0;
        for (int i = 0; i < 10 && n == 0; i++) {
            n = r.pollOnce();
        }
        assertFalse(Files.exists(spool.resolve("c-1.json")), "a replay of a done command makes no file");
        assertEquals(0, onQueue(q));
    }

    @Test
    void aMessageStaysOnTheQueueUntilItsFileIsOnDisk(@TempDir Path dir) throws Exception {
        String q = queue("cmds-fail");
        Path spool = dir.resolve("commands");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        CommandReceiver r = new CommandReceiver(sqs, q, spool, new PrintStream(log, true), 1);
        sqs.sendMessage(b -> b.queueUrl(q).messageBody(FREEZE));
        // the spool is unwritable: a read-only directory (root ignores modes, so make the name a directory already taken by a file's place)
        Files.delete(spool);
        Files.writeString(spool, "not a directory");
        int got = 0;
        for (int i = 0; i < 10 && got == 0; i++) {
            got = r.pollOnce();
        }
        assertEquals(1, got);
        assertTrue(log.toString().contains("left on the queue"), log.toString());
        assertEquals(1, onQueue(q), "not deleted");
        // the spool comes back: the message is received again after its visibility timeout (1 s) and lands
        Files.delete(spool);
        Files.createDirectories(spool);
        long until = System.nanoTime() + 15_000_000_000L;
        while (!Files.exists(spool.resolve("c-1.json")) && System.nanoTime() < until) {
            r.pollOnce();
        }
        assertTrue(Files.exists(spool.resolve("c-1.json")));
        assertEquals(0, onQueue(q));
    }
}
