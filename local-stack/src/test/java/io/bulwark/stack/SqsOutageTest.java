package io.bulwark.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.delivery.ShipCommand;
import io.bulwark.delivery.Shipper;
import io.bulwark.delivery.SqsTarget;
import io.bulwark.outbox.OutboxWriter;
import io.bulwark.outbox.Rank;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The SQS server (ElasticMQ) is stopped for 30 s in the middle of a stream of alerts and started
 * again: every alert arrives, and any duplicate carries the same id. ElasticMQ keeps its messages
 * in memory, so the test lets the consumer take what was delivered before it stops the server (real
 * SQS keeps them); the stream itself never pauses.
 */
@Tag("servers")
class SqsOutageTest {
    @TempDir
    Path dir;

    @Test
    void everyAlertOfAStreamArrivesAcrossA30SecondOutageOfTheQueue() throws Exception {
        int port = StackFixture.freePort();
        SQSRestServer sqs = LocalStack.startSqs(port);
        ShipCommand.Clients clients = new ShipCommand.Clients("us-east-1", true, URI.create("http://127.0.0.1:" + port), null, null);
        SqsClient client = clients.sqs();
        LocalStack.createQueues(client);
        String url = "http://127.0.0.1:" + port + "/000000000000/bulwark-alerts";
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Shipper shipper = new Shipper(dir, List.of(new SqsTarget(client, url, "n1")), null, new PrintStream(log, true), 20, 100, 2000);
        Thread ship = new Thread(shipper);
        Map<String, Integer> received = new ConcurrentHashMap<>();
        AtomicBoolean consuming = new AtomicBoolean(true);
        Thread consumer = new Thread(() -> {
            while (consuming.get()) {
                try {
                    for (Message m : client.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)
                            .messageAttributeNames("All")).messages()) {
                        received.merge(m.messageAttributes().get("bulwark_id").stringValue(), 1, Integer::sum);
                        client.deleteMessage(b -> b.queueUrl(url).receiptHandle(m.receiptHandle()));
                    }
                } catch (RuntimeException down) {
                    sleep(200); // the server is down
                }
            }
        });
        Set<String> sent = ConcurrentHashMap.newKeySet();
        try (OutboxWriter w = new OutboxWriter(dir, 256 << 10, 64 << 20, 10, null)) {
            ship.start();
            consumer.start();
            int i = 0;
            long t0 = System.currentTimeMillis();
            boolean stopped = false;
            boolean restarted = false;
            while (System.currentTimeMillis() - t0 < 45_000) {
                String id = "alert-" + i++;
                w.append(Rank.CRITICAL, id, LocalPipelineTest.alert(id, "n" + i).getBytes(StandardCharsets.UTF_8));
                sent.add(id);
                long t = System.currentTimeMillis() - t0;
                if (!stopped && t > 5_000) {
                    long deadline = System.currentTimeMillis() + 10_000;
                    while (received.size() < sent.size() && System.currentTimeMillis() < deadline) {
                        sleep(10); // ElasticMQ loses what it holds when stopped; real SQS would not
                    }
                    sqs.stopAndWait();
                    stopped = true;
                    t0 -= 0; // the stream goes on while the queue is down
                } else if (stopped && !restarted && t > 35_000) {
                    sqs = LocalStack.startSqs(port);
                    LocalStack.createQueues(client);
                    restarted = true;
                }
                sleep(50);
            }
            long deadline = System.currentTimeMillis() + 30_000;
            while (!received.keySet().containsAll(sent) && System.currentTimeMillis() < deadline) {
                sleep(100);
            }
        } finally {
            consuming.set(false);
            shipper.close();
            ship.join(5000);
            consumer.join(5000);
            sqs.stopAndWait();
        }
        Set<String> missing = new java.util.TreeSet<>(sent);
        missing.removeAll(received.keySet());
        assertTrue(missing.isEmpty(), missing.size() + " of " + sent.size() + " alerts never arrived: " + missing + "\n" + log);
        assertEquals(sent, received.keySet(), "nothing arrived that was not sent");
        assertTrue(sent.size() > 700, "a stream of alerts: " + sent.size());
        assertTrue(shipper.retries("sqs") > 0, "the outage was seen: " + log);
        assertTrue(log.toString().contains("reachable again"), log.toString());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
