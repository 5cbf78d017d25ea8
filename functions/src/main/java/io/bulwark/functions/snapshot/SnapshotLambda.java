package io.bulwark.functions.snapshot;

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
 * Lambda entry point (QUARKUS_LAMBDA_HANDLER=snapshot; target of the EventBridge rule on
 * {@code source: bulwark.triage}, {@code detail-type: Bulwark Incident}). Answers what it did
 * ({@link SnapshotService.Result}). A bad event, an archive failure, or the node's evidence not yet
 * archived ({@link SnapshotService.NodeEvidencePendingException}) fails the invocation (Lambda retries
 * the asynchronous invocation, then its on-failure destination); a replay is answered "already archived".
 */
@Named("snapshot")
public class SnapshotLambda implements RequestStreamHandler {

    @Inject
    SnapshotService service;

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        SnapshotService.Result r = service.handle(input.readAllBytes());
        output.write(Json.line(r).getBytes(StandardCharsets.UTF_8));
    }
}
