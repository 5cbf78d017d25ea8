package io.bulwark.stack;

import io.bulwark.functions.triage.TriageBatch;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

/**
 * What Lambda's SQS event source mapping does for the triage function, on the local stack's queue:
 * long-polls the alerts queue for batches of up to 10 with a visibility timeout, hands each batch to
 * triage in process, deletes the messages it handled and leaves the batch item failures, which come
 * back after the visibility timeout; the queue's redrive policy moves a message that keeps failing to
 * its DLQ after 5 receives, as in AWS.
 */
public final class TriagePoller implements Runnable, AutoCloseable {
    static final int BATCH = 10;

    private final SqsClient sqs;
    private final String queueUrl;
    private final TriageBatch batch;
    private final int visibilitySeconds;
    private final PrintStream log;
    private volatile boolean running = true;
    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    TriagePoller(SqsClient sqs, String queueUrl, TriageBatch batch, int visibilitySeconds, PrintStream log) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.batch = batch;
        this.visibilitySeconds = visibilitySeconds;
        this.log = log;
    }

    public long handled() {
        return handled.get();
    }

    public long failed() {
        return failed.get();
    }

    @Override
    public void run() {
        long backoff = 200;
        while (running) {
            try {
                ReceiveMessageResponse r = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(BATCH).waitTimeSeconds(1)
                        .visibilityTimeout(visibilitySeconds));
                backoff = 200;
                if (r.messages().isEmpty()) {
                    continue;
                }
                List<TriageBatch.Message> messages = new ArrayList<>();
                for (Message m : r.messages()) {
                    messages.add(new TriageBatch.Message(m.messageId(), m.body()));
                }
                TriageBatch.Result result = batch.process(messages);
                List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
                for (int i = 0; i < r.messages().size(); i++) {
                    Message m = r.messages().get(i);
                    if (!result.failedIds().contains(m.messageId())) {
                        done.add(DeleteMessageBatchRequestEntry.builder().id(String.valueOf(i)).receiptHandle(m.receiptHandle()).build());
                    }
                }
                if (!done.isEmpty()) {
                    sqs.deleteMessageBatch(b -> b.queueUrl(queueUrl).entries(done));
                }
                handled.addAndGet(done.size());
                failed.addAndGet(result.failedIds().size());
                result.lines().forEach(l -> log.println("bulwark stack: triage " + l));
            } catch (RuntimeException e) {
                if (!running) {
                    break;
                }
                log.println("bulwark stack: triage poll of " + queueUrl + " failed (retry in " + backoff + " ms): " + e.getMessage());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
                backoff = Math.min(10_000, backoff * 2);
            }
        }
    }

    @Override
    public void close() {
        running = false;
    }
}
