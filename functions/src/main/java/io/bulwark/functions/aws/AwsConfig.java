package io.bulwark.functions.aws;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * How every function reaches AWS ({@code bulwark.aws.*}, or the environment: {@code BULWARK_AWS_REGION} …).
 * No key holds a secret: credentials come from the SDK's default chain (the Lambda role). (The first
 * wave called them {@code bulwark.audit.aws.*}.)
 */
@ConfigMapping(prefix = "bulwark.aws")
public interface AwsConfig {
    /** Region; the SDK's default chain (AWS_REGION in Lambda) when unset. */
    Optional<String> region();

    /** S3 endpoint override (tests, the local stack, S3-compatible stores); unset in AWS. */
    Optional<URI> s3Endpoint();

    /** Path-style S3 addressing (needed by most local S3 servers). */
    @WithDefault("false")
    boolean s3PathStyle();

    /** EventBridge endpoint override (tests); unset in AWS. */
    Optional<URI> eventsEndpoint();

    /** SQS endpoint override (tests, ElasticMQ); unset in AWS. */
    Optional<URI> sqsEndpoint();

    /** Timeout of one AWS API call. */
    @WithDefault("PT10S")
    Duration callTimeout();
}
