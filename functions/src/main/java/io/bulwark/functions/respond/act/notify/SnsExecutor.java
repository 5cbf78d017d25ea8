package io.bulwark.functions.respond.act.notify;

import io.bulwark.functions.respond.act.Params;
import io.bulwark.response.action.ActionExecutor;
import io.bulwark.response.action.ActionRequest;
import io.bulwark.response.action.ActionResult;
import java.util.Map;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sns.model.PublishRequest;

/** {@code notify.sns}: publishes the incident summary to the step's topic, else the configured incidents topic. */
public final class SnsExecutor implements ActionExecutor {
    private final SnsClient sns;
    private final String defaultTopic;

    public SnsExecutor(SnsClient sns, String defaultTopic) {
        this.sns = sns;
        this.defaultTopic = defaultTopic;
    }

    @Override
    public String action() {
        return "notify.sns";
    }

    @Override
    public ActionResult execute(ActionRequest r) {
        String topic = Params.string(r, "topic_arn");
        if (topic == null) topic = defaultTopic;
        if (topic == null) return ActionResult.failed("no topic: set the step's topic_arn or BULWARK_INCIDENT_TOPIC_ARN");
        String subject = Summary.title(r).replaceAll("[^\\x20-\\x7E]", "?");
        if (subject.length() > 100) subject = subject.substring(0, 100);
        String id = sns.publish(PublishRequest.builder().topicArn(topic).subject(subject).message(Summary.text(r))
                .messageAttributes(Map.of("incident", MessageAttributeValue.builder().dataType("String").stringValue(r.incident()).build()))
                .build()).messageId();
        return ActionResult.done("published to " + topic + " (message " + id + ")", Map.of("topic", topic, "message_id", id));
    }
}
