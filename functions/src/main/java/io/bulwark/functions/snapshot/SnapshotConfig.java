package io.bulwark.functions.snapshot;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * The snapshot function's settings ({@code bulwark.snapshot.*}, or the environment:
 * {@code BULWARK_SNAPSHOT_BUCKET}, {@code BULWARK_SNAPSHOT_SIGNING_KMS_KEY_ID} …). No key holds a secret:
 * AWS credentials come from the Lambda role, the Kubernetes API's from {@code bulwark.kubernetes.*} (io.bulwark.functions.aws.KubernetesConfig; off or not found: the pod's
 * spec and events are "not configured").
 */
@ConfigMapping(prefix = "bulwark.snapshot")
public interface SnapshotConfig {
    /** The archive bucket (required by the snapshot handler). */
    Optional<String> bucket();

    /** Region of the bucket and the instances; the SDK's default chain (AWS_REGION in Lambda) when unset. */
    Optional<String> region();

    /** S3 endpoint override (tests, S3-compatible stores); unset in AWS. Implies path-style addressing. */
    Optional<URI> s3Endpoint();

    /** EC2 endpoint override (tests); unset in AWS. */
    Optional<URI> ec2Endpoint();

    /** Request EBS snapshots. Off: the part records EBS as "not configured". */
    @WithDefault("true")
    boolean ebs();

    /** Object Lock COMPLIANCE retention of every object written, in days (0: no retention header; the bucket's default applies). */
    @WithDefault("0")
    int objectLockDays();

    /** Put a legal hold on every object written. */
    @WithDefault("false")
    boolean legalHold();

    /** How long to wait for the node's evidence (part 1) before starting the manifest as part 1 itself. */
    @WithDefault("PT20S")
    Duration waitForNodeEvidence();

    /** Timeout of one AWS API call. */
    @WithDefault("PT10S")
    Duration callTimeout();

    Signing signing();

    /** How parts are signed: a KMS key (AWS) or a local Ed25519 key file (tests, local). One of them is required. */
    interface Signing {
        /** Asymmetric KMS key (SIGN_VERIFY) id, ARN or alias. */
        Optional<String> kmsKeyId();

        /** ECDSA_SHA_256 (ECC_NIST_P256 keys) or RSASSA_PSS_SHA_256. */
        @WithDefault("ECDSA_SHA_256")
        String algorithm();

        /** KMS endpoint override (tests). */
        Optional<URI> kmsEndpoint();

        /** PKCS#8 PEM Ed25519 key file of mode 0600 (made on first use, FILE.pub beside it). */
        Optional<String> keyFile();
    }
}
