package io.bulwark.functions.aws;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * One zip holds every function; {@code QUARKUS_LAMBDA_HANDLER} names the one a Lambda runs. At start
 * this checks the settings that function needs, and only those: a function never needs another's
 * settings, and a missing one fails the start (the Lambda's init) with the key's name instead of the
 * first event.
 */
@ApplicationScoped
public class FunctionStartup {
    /** Handler name → keys it cannot start without. */
    static final java.util.Map<String, List<String>> REQUIRED = java.util.Map.of(
            "audit-aggregation", List.of("bulwark.audit.bucket"),
            "triage", List.of("bulwark.triage.bucket"),
            "snapshot", List.of("bulwark.snapshot.bucket"),
            "node-queue-reaper", List.of("bulwark.reaper.queue-prefix"));

    void check(@Observes StartupEvent start) {
        var config = ConfigProvider.getConfig();
        String handler = config.getOptionalValue("quarkus.lambda.handler", String.class).orElse(null);
        if (handler == null) {
            return;
        }
        for (String key : REQUIRED.getOrDefault(handler, List.of())) {
            Optional<String> v = config.getOptionalValue(key, String.class);
            if (v.isEmpty() || v.get().isBlank()) {
                throw new IllegalStateException("the " + handler + " function needs " + key + " (environment "
                        + key.toUpperCase().replace('.', '_').replace('-', '_') + ")");
            }
        }
    }
}
