package io.bulwark.functions.respond.act.node;

import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/**
 * Node commands on the node's command queue: the URL may hold {@code {node}}, replaced by the node's queue key
 * (the alert's {@code detail.node.command_key}, else its hostname; letters, digits, '-' and '_' kept, others '-'),
 * for a queue per node as the shipper's CommandReceiver polls (it expands {@code {node}} with its {@code --node},
 * the same key); without it every command goes to one queue. The body is the
 * command (the sensor's command-spool format with {@code node}); the {@code node} and {@code command_id} message
 * attributes let a shipper take only its own node's commands without parsing. On a FIFO queue the command id is
 * the deduplication id and the node the group (commands of one node in order).
 */
public final class SqsCommandChannel implements CommandChannel {
    private final SqsClient sqs;
    private final String queueUrl;

    public SqsCommandChannel(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    @Override
    public String send(String node, String queueKey, String id, String json) {
        String url = io.bulwark.contract.NodeCommandQueue.url(queueUrl, queueKey == null ? node : queueKey);
        SendMessageRequest.Builder b = SendMessageRequest.builder().queueUrl(url).messageBody(json)
                .messageAttributes(Map.of(
                        "node", MessageAttributeValue.builder().dataType("String").stringValue(node).build(),
                        "command_id", MessageAttributeValue.builder().dataType("String").stringValue(id).build()));
        if (url.endsWith(".fifo")) b = b.messageGroupId(node).messageDeduplicationId(id);
        String mid = sqs.sendMessage(b.build()).messageId();
        return "sqs:" + url + " message " + mid;
    }
}
