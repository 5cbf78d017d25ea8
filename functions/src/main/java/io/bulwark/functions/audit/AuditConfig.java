package io.bulwark.functions.audit;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * Configuration of the audit aggregation function ({@code bulwark.audit.*} in
 * application.properties, or the environment: {@code BULWARK_AUDIT_BUCKET} …). No key holds a
 * secret: AWS credentials come from the SDK's default chain (the Lambda role).
 */
@ConfigMapping(prefix = "bulwark.audit")
public interface AuditConfig {

    /**
     * The archive bucket (the evidence bucket; audit objects live under {@link #prefix()}). Required by
     * this function (it does not start without it, {@code FunctionStartup}); optional here so that the
     * other functions of the same zip start without it.
     */
    Optional<String> bucket();

    /** Key prefix of every audit object. */
    @WithDefault("audit")
    String prefix();

    /**
     * A container no report has mentioned for this long leaves the cluster view (and a node
     * with no container left and no report for this long). Reports at container start carry one
     * container only, so a container is never removed just because a report lacks it. Default:
     * 2.5 times the sensor's default audit period (10 minutes).
     */
    @WithDefault("PT25M")
    Duration containerExpiry();

    /** Attempts to replace {@code latest.json} when another invocation replaced it first. */
    @WithDefault("5")
    int casAttempts();

    Findings findings();

    interface Findings {
        /** Guardrail: at most this many Escape Surface Finding events per invocation; the rest are counted. */
        @WithDefault("10")
        int maxPerInvocation();
    }

}
