package io.bulwark.functions.audit;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import io.bulwark.contract.Json;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Lambda entry point (target of the EventBridge rule on {@code source: bulwark.sensor},
 * {@code detail-type: Escape Surface Report}). A stream handler: the event is archived byte for
 * byte as it arrived and parsed with the contract's own JSON settings. A bad event or an archive
 * failure fails the invocation (EventBridge retries, then its DLQ).
 */
@Named("audit-aggregation")
public class AuditAggregationLambda implements RequestStreamHandler {

    @Inject
    AuditAggregator aggregator;

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        AggregationResult result = aggregator.handle(input.readAllBytes());
        output.write(Json.line(result).getBytes(StandardCharsets.UTF_8));
    }
}
