package io.bulwark.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

/**
 * The shipper's end of the node command channel: long-polls the node's command queue (SQS) and drops
 * each message, as it is, into the sensor's command spool ({@code bulwark up --commands DIR}) — a
 * temporary file whose name starts with '.', fsynced, renamed to {@code <id>.json}, the directory
 * fsynced — and deletes the message only then. A crash at any point leaves the message on the queue
 * (it comes back after its visibility timeout) or the command in the spool; a message delivered twice
 * finds its file (waiting, or its result in done/) and is deleted without a second file. A message that
 * is not a command with a usable id still goes to the spool (as {@code invalid-<message id>.json}), so
 * the sensor rejects it with its reason next to the other commands; the shipper never interprets a command.
 */
public final class CommandReceiver implements Runnable, AutoCloseable {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final SqsClient sqs;
    private final String queueUrl;
    private final Path spool;
    private final PrintStream log;
    private final int waitSeconds;
    private volatile boolean running = true;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    /**
     * The node's own command queue from a URL that may hold {@code {node}}: replaced by the node's name cleaned as
     * the respond function cleans it (every character outside {@code A-Za-z0-9_-} becomes {@code -}), so on a fleet
     * whose nodes come and go each shipper finds its queue without Terraform listing the nodes.
     */
    public static String forNode(String queueUrl, String node) {
        return io.bulwark.contract.NodeCommandQueue.url(queueUrl, node);
    }

    /**
     * Creates the queue a {@code {node}} URL names if it does not exist yet (CreateQueue is idempotent for the same
     * name and attributes) and returns its URL as SQS gives it. Only for per-node URLs: a fixed URL is used as is.
     * The role needs sqs:CreateQueue on the name prefix only (docs/deploy.md).
     */
    public static String ensureNodeQueue(SqsClient sqs, String template, String node) {
        String url = forNode(template, node);
        if (url.equals(template)) {
            return url;
        }
        String name = url.substring(url.lastIndexOf('/') + 1);
        return sqs.createQueue(b -> b.queueName(name).attributes(java.util.Map.of(
                software.amazon.awssdk.services.sqs.model.QueueAttributeName.MESSAGE_RETENTION_PERIOD, "86400",
                software.amazon.awssdk.services.sqs.model.QueueAttributeName.SQS_MANAGED_SSE_ENABLED, "true"))).queueUrl();
    }

    /** @param waitSeconds the long poll's wait (1-20 s) */
    public CommandReceiver(SqsClient sqs, String queueUrl, Path spool, PrintStream log, int waitSeconds) throws IOException {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.spool = spool;
        this.log = log;
        this.waitSeconds = Math.max(1, Math.min(20, waitSeconds));
        if (!Files.isDirectory(spool)) {
            Files.createDirectories(spool, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    @Override
    public void run() {
        long backoff = 0;
        while (running) {
            try {
                pollOnce();
                backoff = 0;
            } catch (RuntimeException e) {
                failures.incrementAndGet();
                backoff = Math.min(30_000, Math.max(200, backoff * 2));
                log.println("bulwark ship: command queue " + queueUrl + ": " + e.getMessage() + " (retrying in ~" + backoff + " ms)");
                try {
                    Thread.sleep(backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** One long poll: every message received is written to the spool and then deleted; returns how many were received. */
    public int pollOnce() {
        ReceiveMessageResponse r = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(waitSeconds));
        for (Message m : r.messages()) {
            received.incrementAndGet();
            try {
                if (deliver(m)) {
                    written.incrementAndGet();
                } else {
                    duplicates.incrementAndGet();
                }
            } catch (IOException e) {
                failures.incrementAndGet();
                log.println("bulwark ship: cannot put command message " + m.messageId() + " into " + spool + ": " + e.getMessage()
                        + " (left on the queue)");
                continue; // not deleted: it comes back after the visibility timeout
            }
            sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
        }
        return r.messages().size();
    }

    /** Writes the message into the spool; false when its command is already there or done (a redelivery). */
    boolean deliver(Message m) throws IOException {
        String name = "invalid-" + m.messageId().replaceAll("[^A-Za-z0-9._-]", "_");
        try {
            JsonNode n = Json.mapper().readTree(m.body());
            String id = n == null ? null : n.path("id").asText(null);
            if (id != null && ID.matcher(id).matches()) {
                name = id;
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: the sensor says so in rejected/
        }
        Path target = spool.resolve(name + ".json");
        if (Files.exists(target) || Files.exists(spool.resolve("done").resolve(name + ".json"))) {
            return false;
        }
        write(target, m.body().getBytes(StandardCharsets.UTF_8));
        return true;
    }

    /** tmp (hidden from the sensor: starts with '.'), fsync, rename, fsync of the directory. */
    static void write(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        try (FileChannel d = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    public long received() {
        return received.get();
    }

    public long written() {
        return written.get();
    }

    public long duplicates() {
        return duplicates.get();
    }

    public long failures() {
        return failures.get();
    }

    @Override
    public void close() {
        running = false;
    }
}
