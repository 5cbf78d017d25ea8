package io.bulwark.functions.triage;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** The triage function's settings ({@code bulwark.triage.*}, or BULWARK_TRIAGE_*). docs/triage.md. */
@ConfigMapping(prefix = "bulwark.triage")
public interface TriageConfig {
    /** The bucket of the incident store (the archive bucket). Required by this function. */
    Optional<String> bucket();

    /** Key prefix of the store: incidents at PREFIX/incidents/ID.json, correlation indexes at PREFIX/index/. */
    @WithDefault("state")
    String statePrefix();

    /** Falco and GuardDuty alerts of the same container (or process lineage) this close together are one incident. */
    @WithDefault("PT15M")
    Duration window();

    /** Tries at a conditional write before the message is failed back to SQS. */
    @WithDefault("20")
    int casAttempts();

    /** The dead-letter queue for poison messages (URL). Unset: poison messages fail back to SQS until its redrive policy moves them. */
    Optional<String> dlqUrl();

    /** Cluster name written into incidents when the alert does not name one (GuardDuty does). */
    Optional<String> cluster();
}
