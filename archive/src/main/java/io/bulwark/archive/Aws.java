package io.bulwark.archive;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;

/** SDK clients for the archive: the Apache HTTP client, the standard credentials chain (dummy ones for a local endpoint). */
public final class Aws {
    private Aws() {}

    /**
     * One daemon thread for every client's call and attempt timeouts (the archive's, and the shipper's SQS,
     * EventBridge and S3 clients), which drops a timeout once it is cancelled. The SDK's default is a pool of 5
     * threads per client whose cancelled timeouts (one per call and one per attempt) stay queued until they
     * would have fired, 5-10 s later: 1,403 of them in the shipper's heap at about 100 calls a second
     * (docs/benchmarks.md, delivery). The SDK does not shut down an executor it was given.
     */
    public static final java.util.concurrent.ScheduledExecutorService TIMERS = timers();

    private static java.util.concurrent.ScheduledExecutorService timers() {
        var e = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "bulwark-archive-timeouts");
            t.setDaemon(true);
            return t;
        });
        e.setRemoveOnCancelPolicy(true);
        return e;
    }

    private static AwsCredentialsProvider credentials(boolean local) {
        return local ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")) : DefaultCredentialsProvider.builder().build();
    }

    /**
     * An S3 client; {@code endpoint} non-null (S3Proxy, a VPC endpoint) means path-style addressing and
     * checksums only where we compute them (S3-compatible stores misread aws-chunked trailing checksums).
     */
    public static S3Client s3(String region, URI endpoint, boolean localCredentials) {
        var b = S3Client.builder().httpClientBuilder(ApacheHttpClient.builder().socketTimeout(Duration.ofSeconds(60)))
                .credentialsProvider(credentials(localCredentials))
                .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallAttemptTimeout(Duration.ofMinutes(10))
                        .scheduledExecutorService(TIMERS).build());
        if (region != null) {
            b.region(Region.of(region));
        } else if (localCredentials) {
            b.region(Region.US_EAST_1);
        }
        if (endpoint != null) {
            b.endpointOverride(endpoint).forcePathStyle(true).requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED);
        }
        return b.build();
    }

    public static KmsClient kms(String region, URI endpoint, boolean localCredentials) {
        var b = KmsClient.builder().httpClientBuilder(ApacheHttpClient.builder()).credentialsProvider(credentials(localCredentials))
                .overrideConfiguration(ClientOverrideConfiguration.builder().scheduledExecutorService(TIMERS).build());
        if (region != null) {
            b.region(Region.of(region));
        } else if (localCredentials) {
            b.region(Region.US_EAST_1);
        }
        if (endpoint != null) {
            b.endpointOverride(endpoint);
        }
        return b.build();
    }
}
