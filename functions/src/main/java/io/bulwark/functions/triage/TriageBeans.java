package io.bulwark.functions.triage;

import io.bulwark.functions.aws.AwsConfig;
import io.bulwark.functions.aws.BusConfig;
import io.bulwark.functions.aws.KubernetesConfig;
import io.bulwark.functions.bus.FindingBus;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import java.time.Clock;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Builds triage from {@link TriageConfig} and the shared clients. */
@ApplicationScoped
public class TriageBeans {

    @Produces
    @ApplicationScoped
    TriageBatch triage(TriageConfig config, AwsConfig aws, BusConfig busConfig, KubernetesConfig k8s, S3Client s3, Instance<SqsClient> sqs,
                       FindingBus bus, Instance<KubernetesClient> kubernetes) {
        String bucket = config.bucket().orElseThrow(() -> new IllegalStateException(
                "bulwark.triage.bucket (BULWARK_TRIAGE_BUCKET) is not set: triage keeps incidents in the archive bucket"));
        Triage triage = new Triage(new IncidentStore(s3, bucket, config.statePrefix(), config.casAttempts()),
                new TriageEnricher(k8s.enabled() ? kubernetes.get() : null), CveTable.load(), bus, config.window(),
                busConfig.account().orElse(null), aws.region().orElse(System.getenv("AWS_REGION")), config.cluster().orElse(null),
                Clock.systemUTC());
        return new TriageBatch(triage, config.dlqUrl().isPresent() ? sqs.get() : null, config.dlqUrl().orElse(null));
    }
}
