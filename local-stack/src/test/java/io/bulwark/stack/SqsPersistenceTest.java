package io.bulwark.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.outbox.OutboxWriter;
import io.bulwark.outbox.Rank;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * ElasticMQ's messages survive a restart of the local stack: alerts the shipper delivered to the
 * alerts queue, not yet consumed when the stack stops, are in the queue after the next start (the
 * stack's default store, DIR/sqs/messages.mv.db), with their bodies and attributes; what was
 * consumed before the stop stays consumed.
 */
@Tag("servers")
class SqsPersistenceTest {
    @TempDir
    Path dir;

    @Test
    void queuedAlertsAreStillInTheQueueAfterTheStackRestarts() throws Exception {
        Set<String> sent = new TreeSet<>();
        try (OutboxWriter w = new OutboxWriter(dir.resolve("outbox"), 1 << 20, 64 << 20, 10, null)) {
            for (int i = 0; i < 30; i++) {
                String id = "persist-" + i;
                w.append(Rank.CRITICAL, id, LocalPipelineTest.alert(id, "before the restart").getBytes(StandardCharsets.UTF_8));
                sent.add(id);
            }
        }
        Set<String> consumed;
        try (LocalStack s = StackFixture.start(dir)) {
            String url = s.sqsClient().getQueueUrl(b -> b.queueName("bulwark-alerts")).queueUrl();
            long deadline = System.currentTimeMillis() + 20_000;
            while (queued(s, url) < 30 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(30, queued(s, url), "the shipper delivered the outbox to the queue");
            consumed = new TreeSet<>(); // received and deleted: gone for good
            for (Message m : s.sqsClient().receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(5).messageAttributeNames("All")).messages()) {
                consumed.add(m.messageAttributes().get("bulwark_id").stringValue());
                s.sqsClient().deleteMessage(b -> b.queueUrl(url).receiptHandle(m.receiptHandle()));
            }
            assertEquals(5, consumed.size());
        }
        assertTrue(Files.exists(dir.resolve("sqs").resolve("messages.mv.db")), "the store is a file under the stack's directory");
        try (LocalStack s = StackFixture.start(dir)) {
            Map<String, Message> got = LocalPipelineTest.receive(s, 25, 20_000);
            assertEquals(25, got.size(), "25 of 30 were still queued: " + got.keySet());
            Set<String> expected = new TreeSet<>(sent);
            expected.removeAll(consumed);
            assertEquals(expected, new TreeSet<>(got.keySet()), "what was queued at the stop is queued after the start, and only that");
            Message m = got.values().iterator().next();
            assertTrue(m.body().contains("\"output\":\"before the restart\""), m.body());
            assertEquals("CRITICAL", m.messageAttributes().get("priority").stringValue());
            String url = s.sqsClient().getQueueUrl(b -> b.queueName("bulwark-alerts")).queueUrl();
            String redrive = s.sqsClient().getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.REDRIVE_POLICY))
                    .attributes().get(QueueAttributeName.REDRIVE_POLICY);
            assertTrue(redrive != null && redrive.contains("bulwark-alerts-dlq"), "the queue came back with its DLQ: " + redrive);
        }
    }

    private static int queued(LocalStack s, String url) {
        return Integer.parseInt(s.sqsClient().getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                .attributes().get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    }
}
