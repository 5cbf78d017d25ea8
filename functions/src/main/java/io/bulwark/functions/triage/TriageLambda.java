package io.bulwark.functions.triage;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Lambda entry point of triage: the target of the SQS event source mapping on the alerts queue
 * (with {@code ReportBatchItemFailures}). Reads the SQS event, hands the messages to
 * {@link TriageBatch}, answers SQSBatchResponse's JSON: {@code {"batchItemFailures":[{"itemIdentifier":ID}]}}.
 * A stream handler: the event JSON is read as AWS sends it (Records, messageId, body).
 */
@Named("triage")
public class TriageLambda implements RequestStreamHandler {
    private static final ObjectMapper PLAIN = new ObjectMapper();

    @Inject
    TriageBatch batch;

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode event = PLAIN.readTree(input);
        List<TriageBatch.Message> messages = new ArrayList<>();
        for (JsonNode r : event.path("Records")) {
            messages.add(new TriageBatch.Message(r.path("messageId").asText(), r.path("body").asText(null)));
        }
        TriageBatch.Result result = batch.process(messages);
        ObjectNode out = PLAIN.createObjectNode();
        var failures = out.putArray("batchItemFailures");
        result.failedIds().forEach(id -> failures.addObject().put("itemIdentifier", id));
        output.write(PLAIN.writeValueAsBytes(out));
    }
}
