package io.bulwark.functions.reaper;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The node-queue-reaper's settings ({@code bulwark.reaper.*}, or the environment: {@code BULWARK_REAPER_QUEUE_PREFIX}
 * …; infra/examples/complete sets them). SQS is the shared client ({@code bulwark.aws.*}); no key holds a secret.
 */
@ConfigMapping(prefix = "bulwark.reaper")
public interface ReaperConfig {
    /** Name prefix of the node command queues, {@code <name_prefix>-node-} (required by this handler). */
    Optional<String> queuePrefix();

    /** Queue names never deleted (comma-separated): the node-commands DLQ, which shares the prefix. */
    Optional<List<String>> keepQueues();

    /** A queue younger than this is never deleted. */
    @WithDefault("PT24H")
    Duration minAge();

    /** Deletions per run at most; the rest wait for the next run. */
    @WithDefault("10")
    int maxDeletions();

    /** Decide and record, delete nothing. */
    @WithDefault("false")
    boolean dryRun();

    /**
     * The sensor DaemonSet's namespace ({@code BULWARK_REAPER_SENSOR_NAMESPACE}): a queue with no instance binding
     * named by one of the DaemonSet's pods (EKS Pod Identity) is gone when GET of that pod here answers 404. Unset:
     * Kubernetes is not asked and such queues are kept. The client is the shared one ({@code bulwark.kubernetes.*}).
     */
    Optional<String> sensorNamespace();

    /** The sensor DaemonSet's name: its pods are {@code <name>-<5 characters>} ({@code BULWARK_REAPER_SENSOR_DAEMONSET}). */
    @WithDefault("bulwark-sensor")
    String sensorDaemonset();

    /** Region of EC2; the SDK's default chain (AWS_REGION in Lambda) when unset. */
    Optional<String> region();

    /** EC2 endpoint override (tests); unset in AWS. */
    Optional<URI> ec2Endpoint();

    /** Timeout of one EC2 call. */
    @WithDefault("PT10S")
    Duration callTimeout();
}
