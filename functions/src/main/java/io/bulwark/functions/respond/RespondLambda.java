package io.bulwark.functions.respond;

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
 * Lambda entry point of the respond function ({@code QUARKUS_LAMBDA_HANDLER=respond}), the target of the EventBridge
 * rules on incidents ({@code source: bulwark.triage}), the containment pattern (critical alerts), approval/release
 * events ({@code source: bulwark.approval}) and a schedule (approval timeouts). docs/respond.md.
 */
@Named("respond")
public class RespondLambda implements RequestStreamHandler {
    @Inject
    RespondHolder holder;

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        var out = holder.service().handle(new String(input.readAllBytes(), StandardCharsets.UTF_8));
        output.write(Json.line(out).getBytes(StandardCharsets.UTF_8));
    }
}
