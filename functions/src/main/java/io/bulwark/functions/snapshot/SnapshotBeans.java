package io.bulwark.functions.snapshot;

import io.bulwark.archive.KmsSigner;
import io.bulwark.archive.LocalKeySigner;
import io.bulwark.archive.S3Store;
import io.bulwark.archive.Signer;
import io.bulwark.functions.aws.KubernetesConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.Ec2ClientBuilder;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Builds the snapshot function from {@link SnapshotConfig}. Its S3 client is its own, not the shared
 * one: archive writes carry their own SHA-256 checksums (no SDK trailers) and may be large. Built on the
 * first event, so the other handlers of the same zip never need the snapshot settings.
 */
@ApplicationScoped
public class SnapshotBeans {

    @Produces
    @ApplicationScoped
    SnapshotService snapshot(SnapshotConfig config, KubernetesConfig kubernetesConfig, Instance<KubernetesClient> kubernetes) {
        String bucket = config.bucket().filter(b -> !b.isBlank()).orElseThrow(() -> new IllegalStateException(
                "the snapshot function needs bulwark.snapshot.bucket (environment BULWARK_SNAPSHOT_BUCKET)"));
        S3ClientBuilder s3 = S3Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallAttemptTimeout(Duration.ofMinutes(2)).build());
        config.region().ifPresent(r -> s3.region(Region.of(r)));
        config.s3Endpoint().ifPresent(e -> s3.endpointOverride(e).forcePathStyle(true).requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED));
        S3Store store = new S3Store(s3.build(), bucket, new S3Store.Lock(config.objectLockDays(), config.legalHold()));

        Ec2Client ec2 = null;
        String ec2Missing = null;
        if (!config.ebs()) {
            ec2Missing = "EBS snapshots are off (bulwark.snapshot.ebs=false)";
        } else {
            try {
                Ec2ClientBuilder b = Ec2Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder())
                        .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(config.callTimeout()).build());
                config.region().ifPresent(r -> b.region(Region.of(r)));
                config.ec2Endpoint().ifPresent(b::endpointOverride);
                ec2 = b.build();
            } catch (RuntimeException e) { // no region anywhere: not in AWS
                ec2Missing = "no AWS region for EC2 (" + e.getMessage() + ")";
            }
        }

        KubernetesClient k8s = null;
        String k8sMissing = null;
        if (!kubernetesConfig.enabled()) {
            k8sMissing = "the Kubernetes API is off (bulwark.kubernetes.enabled=false)";
        } else if (kubernetes.isResolvable()) {
            k8s = kubernetes.get();
            k8sMissing = kubernetesConfig.apiUrl().isPresent() ? null : unconfigured(k8s);
            if (k8sMissing != null) {
                k8s = null;
            }
        } else {
            k8sMissing = "no Kubernetes client";
        }
        String fn = System.getenv("AWS_LAMBDA_FUNCTION_NAME");
        String who = fn != null ? "bulwark-snapshot (Lambda " + fn + " in " + config.region().orElse(System.getenv("AWS_REGION")) + ")"
                : "bulwark-snapshot on " + io.bulwark.archive.Incidents.who();
        return new SnapshotService(store, signer(config), ec2, ec2Missing, k8s, k8sMissing, who, config.waitForNodeEvidence(), Clock.systemUTC());
    }

    /**
     * Null when the client points at an API; else why not. fabric8 falls back to
     * https://kubernetes.default.svc when it finds no kubeconfig, no in-cluster account and no URL.
     */
    public static String unconfigured(KubernetesClient k) {
        String url = k.getConfiguration().getMasterUrl();
        boolean fallback = url == null || url.contains("kubernetes.default.svc");
        if (fallback && System.getenv("KUBERNETES_SERVICE_HOST") == null
                && !Files.exists(Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token"))) {
            return "no Kubernetes API configured (bulwark.kubernetes.api-url, a kubeconfig or an in-cluster service account)";
        }
        return null;
    }

    static Signer signer(SnapshotConfig config) {
        SnapshotConfig.Signing s = config.signing();
        if (s.kmsKeyId().isPresent()) {
            KmsClientBuilder b = KmsClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder());
            config.region().ifPresent(r -> b.region(Region.of(r)));
            s.kmsEndpoint().ifPresent(b::endpointOverride);
            return new KmsSigner(b.build(), s.kmsKeyId().get(), s.algorithm());
        }
        if (s.keyFile().isPresent()) {
            try {
                return LocalKeySigner.open(Path.of(s.keyFile().get()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("the snapshot function signs its manifest parts: set bulwark.snapshot.signing.kms-key-id "
                + "(BULWARK_SNAPSHOT_SIGNING_KMS_KEY_ID) or, locally, bulwark.snapshot.signing.key-file");
    }
}
