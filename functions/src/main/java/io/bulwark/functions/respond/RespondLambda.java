package io.bulwark.functions.respond;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import io.bulwark.contract.Json;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Lambda entry point of the respond function ({@code QUARKUS_LAMBDA_HANDLER=respond}), the target of the EventBridge
 * rules on incidents ({@code source: bulwark.triage}), the containment pattern (critical alerts), approval/release
 * events ({@code source: bulwark.approval}) and a schedule (approval timeouts). docs/respond.md.
 */
@Named("respond")
public class RespondLambda implements RequestStreamHandler {
    private static final Logger LOG = Logger.getLogger(RespondLambda.class);

    @Inject
    RespondConfig config;

    @Inject
    Instance<KubernetesClient> kubernetes;

    private volatile RespondService service;

    RespondService service() {
        RespondService s = service;
        if (s == null) {
            synchronized (this) {
                if (service == null) {
                    S3Client[] s3 = {null};
                    java.util.function.Supplier<S3Client> lazy = () -> {
                        if (s3[0] == null) s3[0] = RespondFactory.s3(config);
                        return s3[0];
                    };
                    var state = RespondFactory.state(config, lazy);
                    service = RespondFactory.build(config, state, lazy, kubernetes::get, Clock.systemUTC());
                    service.notes().forEach(n -> LOG.infof("respond: %s", n));
                }
                s = service;
            }
        }
        return s;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        var out = service().handle(new String(input.readAllBytes(), StandardCharsets.UTF_8));
        output.write(Json.line(out).getBytes(StandardCharsets.UTF_8));
    }
}
