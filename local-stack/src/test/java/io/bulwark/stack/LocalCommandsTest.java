package io.bulwark.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./bulwark up's stack carries node commands: a message on bulwark-node-commands lands in var/commands for the sensor, and leaves the queue. */
@Tag("servers")
class LocalCommandsTest {
    @TempDir
    Path var;

    @Test
    void aCommandOnTheNodeQueueLandsInTheSensorsSpool() throws Exception {
        try (LocalStack stack = StackFixture.start(var)) {
            String q = stack.sqsClient().getQueueUrl(b -> b.queueName("bulwark-node-commands")).queueUrl();
            String cmd = "{\"id\":\"c-7\",\"incident\":\"inc-7\",\"action\":\"thaw\",\"target\":{\"container\":\"web-1\"},"
                    + "\"requested_by\":\"respond:default-containment\",\"issued_at\":\"2026-12-07T03:50:00Z\"}";
            stack.sqsClient().sendMessage(b -> b.queueUrl(q).messageBody(cmd));
            Path f = var.resolve("commands/c-7.json");
            long deadline = System.nanoTime() + 15_000_000_000L;
            while (!Files.exists(f) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(f), "no " + f);
            assertEquals(cmd, Files.readString(f));
            long until = System.nanoTime() + 10_000_000_000L;
            int left = -1;
            while (left != 0 && System.nanoTime() < until) {
                var a = stack.sqsClient().getQueueAttributes(b -> b.queueUrl(q).attributeNamesWithStrings("ApproximateNumberOfMessages",
                        "ApproximateNumberOfMessagesNotVisible")).attributesAsStrings();
                left = Integer.parseInt(a.get("ApproximateNumberOfMessages")) + Integer.parseInt(a.get("ApproximateNumberOfMessagesNotVisible"));
                Thread.sleep(50);
            }
            assertEquals(0, left, "deleted from the queue once written");
        }
    }
}
