package io.bulwark.functions.triage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * One SQS batch, message by message (docs/triage.md, "Batches and poison messages"):
 * <ul>
 *   <li>triaged: handled;</li>
 *   <li>poison (never triageable: not JSON, an unknown shape, a required field missing): sent to the
 *       dead-letter queue with the reason as the {@code bulwark_dlq_reason} attribute, then handled;</li>
 *   <li>anything else (the store or the bus unreachable, a lost race every time): a batch item failure,
 *       so SQS makes that message visible again after its visibility timeout; the others are not retried.</li>
 * </ul>
 * A failure to reach the dead-letter queue fails the item too: it is never dropped.
 */
public final class TriageBatch {
    private static final Logger LOG = Logger.getLogger(TriageBatch.class);
    public static final String REASON_ATTRIBUTE = "bulwark_dlq_reason";

    /** One message of the batch. */
    public record Message(String messageId, String body) {}

    /** The batch's answer: the ids SQS must redeliver, and what happened to each message. */
    public record Result(List<String> failedIds, List<String> lines) {}

    private final Triage triage;
    private final SqsClient sqs;
    private final String dlqUrl;

    /** {@code dlqUrl} null: poison messages fail back to the queue (its redrive policy moves them after maxReceiveCount). */
    public TriageBatch(Triage triage, SqsClient sqs, String dlqUrl) {
        this.triage = triage;
        this.sqs = sqs;
        this.dlqUrl = dlqUrl;
    }

    public Triage triage() {
        return triage;
    }

    public Result process(List<Message> messages) {
        List<String> failed = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (Message m : messages) {
            try {
                Triage.Outcome o = triage.handle(m.body());
                lines.add(m.messageId() + " " + o.outcome() + (o.incidentId() == null ? "" : " incident " + o.incidentId() + " count " + o.count()));
            } catch (PoisonMessageException poison) {
                String reason = poison.getMessage();
                if (dlqUrl == null) {
                    LOG.errorf("triage: poison message %s (%s) and no dead-letter queue configured: failed back to the queue", m.messageId(), reason);
                    failed.add(m.messageId());
                    lines.add(m.messageId() + " poison, no DLQ: " + reason);
                    continue;
                }
                try {
                    sqs.sendMessage(b -> b.queueUrl(dlqUrl).messageBody(m.body() == null || m.body().isEmpty() ? "(empty)" : m.body())
                            .messageAttributes(Map.of(
                                    REASON_ATTRIBUTE, MessageAttributeValue.builder().dataType("String").stringValue(truncate(reason, 1000)).build(),
                                    "bulwark_source_message_id", MessageAttributeValue.builder().dataType("String").stringValue(m.messageId()).build())));
                    LOG.warnf("triage: poison message %s sent to the dead-letter queue: %s", m.messageId(), reason);
                    lines.add(m.messageId() + " poison, to the DLQ: " + reason);
                } catch (SdkException e) {
                    LOG.errorf("triage: poison message %s (%s) could not reach the dead-letter queue: %s", m.messageId(), reason, e.getMessage());
                    failed.add(m.messageId());
                    lines.add(m.messageId() + " poison, DLQ unreachable: " + reason);
                }
            } catch (RuntimeException e) {
                LOG.errorf("triage: message %s failed, SQS will redeliver it: %s", m.messageId(), e.getClass().getSimpleName() + ": " + e.getMessage());
                failed.add(m.messageId());
                lines.add(m.messageId() + " failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        return new Result(List.copyOf(failed), List.copyOf(lines));
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }
}
