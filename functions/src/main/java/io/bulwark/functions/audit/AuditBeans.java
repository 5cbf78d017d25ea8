package io.bulwark.functions.audit;

import io.bulwark.functions.archive.AuditArchive;
import io.bulwark.functions.aws.AwsConfig;
import io.bulwark.functions.aws.BusConfig;
import io.bulwark.functions.aws.KubernetesConfig;
import io.bulwark.functions.bus.FindingBus;
import io.bulwark.functions.enrich.PodEnricher;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import java.time.Clock;
import software.amazon.awssdk.services.s3.S3Client;

/** Builds the audit aggregation from {@link AuditConfig} and the shared clients (io.bulwark.functions.aws). */
@ApplicationScoped
public class AuditBeans {

    @Produces
    @ApplicationScoped
    AuditAggregator aggregator(AuditConfig config, AwsConfig aws, BusConfig busConfig, KubernetesConfig k8s, S3Client s3, FindingBus bus,
                               Instance<KubernetesClient> kubernetes) {
        PodEnricher enricher = new PodEnricher(k8s.enabled() ? kubernetes.get() : null);
        return new AuditAggregator(new AuditArchive(s3, config.bucket().orElseThrow(() -> new IllegalStateException(
                "bulwark.audit.bucket (BULWARK_AUDIT_BUCKET) is not set: the audit aggregation needs the archive bucket"))), new ArchiveKeys(config.prefix()), enricher, bus,
                config.findings().maxPerInvocation(), config.containerExpiry(), config.casAttempts(),
                busConfig.account().orElse(null), aws.region().orElse(System.getenv("AWS_REGION")), Clock.systemUTC());
    }
}
