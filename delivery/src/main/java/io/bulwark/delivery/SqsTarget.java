package io.bulwark.delivery;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * The alerts queue: SendMessageBatch, at most 10 entries and 256 KiB a call. Each message's body
 * is the envelope; attributes {@code bulwark_id} (the stable {@code detail.id}), {@code source},
 * {@code detail_type} and {@code priority} let consumers filter and dedupe without parsing. On a
 * FIFO queue the id is also the deduplication id and the node the message group.
 */
public final class SqsTarget implements Target {
    /** SQS's limit for one message, body and attributes together; kept 2 KiB under for the attributes. */
    public static final int MAX_MESSAGE = 256 * 1024;
    private static final int ATTRIBUTE_ROOM = 2048;

    private final SqsClient sqs;
    private final String queueUrl;
    private final boolean fifo;
    private final String group;

    public SqsTarget(SqsClient sqs, String queueUrl, String node) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.fifo = queueUrl.endsWith(".fifo");
        this.group = node == null || node.isBlank() ? "bulwark" : node;
    }

    @Override
    public String name() {
        return "sqs";
    }

    @Override
    public boolean ordered() {
        return fifo;
    }

    @Override
    public int maxItemBytes() {
        return MAX_MESSAGE - ATTRIBUTE_ROOM;
    }

    @Override
    public List<List<Item>> calls(List<Item> items) {
        return Target.cut(items, 10, MAX_MESSAGE, it -> (long) it.body().getBytes(StandardCharsets.UTF_8).length + ATTRIBUTE_ROOM);
    }

    @Override
    public List<Failure> call(List<Item> call) {
        return send(call);
    }

    private List<Failure> send(List<Item> call) {
        List<SendMessageBatchRequestEntry> entries = new ArrayList<>(call.size());
        Map<String, Item> byEntry = new HashMap<>();
        for (int k = 0; k < call.size(); k++) {
            Item it = call.get(k);
            String entryId = "e" + k;
            byEntry.put(entryId, it);
            Map<String, MessageAttributeValue> attrs = new HashMap<>();
            attrs.put("bulwark_id", string(it.id()));
            attrs.put("source", string(it.source()));
            attrs.put("detail_type", string(it.detailType()));
            if (it.priority() != null) {
                attrs.put("priority", string(it.priority()));
            }
            if (it.offloaded()) {
                attrs.put("oversized", string("true"));
            }
            SendMessageBatchRequestEntry.Builder e = SendMessageBatchRequestEntry.builder().id(entryId).messageBody(it.body())
                    .messageAttributes(attrs);
            if (fifo) {
                e.messageDeduplicationId(it.id()).messageGroupId(group);
            }
            entries.add(e.build());
        }
        SendMessageBatchResponse r = sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(entries));
        List<Failure> failed = new ArrayList<>();
        for (BatchResultErrorEntry e : r.failed()) {
            Item it = byEntry.get(e.id());
            if (it != null) {
                // SenderFault: the message itself is refused (too big, bad attribute); anything else is the service's
                failed.add(new Failure(it, e.code(), e.message(), !Boolean.TRUE.equals(e.senderFault())));
            }
        }
        return failed;
    }

    private static MessageAttributeValue string(String v) {
        return MessageAttributeValue.builder().dataType("String").stringValue(v).build();
    }
}
