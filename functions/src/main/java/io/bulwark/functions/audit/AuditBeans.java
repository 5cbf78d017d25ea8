package io.bulwark.functions.audit;

import io.bulwark.functions.archive.AuditArchive;
import io.bulwark.functions.bus.EventBridgeBus;
import io.bulwark.functions.bus.FindingBus;
import io.bulwark.functions.bus.LocalEventBus;
import io.bulwark.functions.bus.Patterns;
import io.bulwark.functions.enrich.KubernetesClients;
import io.bulwark.functions.enrich.PodEnricher;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClientBuilder;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** Builds the function's parts from {@link AuditConfig}: AWS SDK v2 clients (url-connection HTTP), Kubernetes client, bus, enricher. */
@ApplicationScoped
public class AuditBeans {

    @Produces
    @ApplicationScoped
    S3Client s3(AuditConfig config) {
        S3ClientBuilder b = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(config.aws().callTimeout()).build())
                .forcePathStyle(config.aws().s3PathStyle());
        config.aws().region().ifPresent(r -> b.region(Region.of(r)));
        config.aws().s3Endpoint().ifPresent(b::endpointOverride);
        return b.build();
    }

    void closeS3(@Disposes S3Client s3) {
        s3.close();
    }

    /** A singleton, not a client proxy: the local mode hands out the {@link LocalEventBus} itself (subscribe). */
    @Produces
    @Singleton
    FindingBus bus(AuditConfig config, Instance<EventBridgeClient> events) {
        if (config.bus().kind() == AuditConfig.BusKind.LOCAL) {
            LocalEventBus local = new LocalEventBus();
            for (String p : Patterns.ALL) {
                local.addRule(p, Patterns.load(p));
            }
            return local;
        }
        return new EventBridgeBus(events.get(), config.bus().name());
    }

    @Produces
    @ApplicationScoped
    EventBridgeClient events(AuditConfig config) {
        EventBridgeClientBuilder b = EventBridgeClient.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(config.aws().callTimeout()).build());
        config.aws().region().ifPresent(r -> b.region(Region.of(r)));
        config.aws().eventsEndpoint().ifPresent(b::endpointOverride);
        return b.build();
    }

    void closeEvents(@Disposes EventBridgeClient events) {
        events.close();
    }

    /**
     * The fabric8 client, from this function's runtime settings (replaces the extension's
     * default bean, whose settings are build-time fixed).
     */
    @Produces
    @Singleton
    KubernetesClient kubernetes(AuditConfig config) {
        AuditConfig.Kubernetes k = config.kubernetes();
        return KubernetesClients.build(k.apiUrl(), k.tokenFile(), k.caCertFile(), k.trustCerts(), k.requestTimeout(), k.connectTimeout());
    }

    void closeKubernetes(@Disposes KubernetesClient client) {
        client.close();
    }

    @Produces
    @ApplicationScoped
    AuditAggregator aggregator(AuditConfig config, S3Client s3, FindingBus bus, Instance<KubernetesClient> kubernetes) {
        PodEnricher enricher = new PodEnricher(config.kubernetes().enabled() ? kubernetes.get() : null);
        return new AuditAggregator(new AuditArchive(s3, config.bucket()), new ArchiveKeys(config.prefix()), enricher, bus,
                config.findings().maxPerInvocation(), config.containerExpiry(), config.casAttempts(),
                config.bus().account().orElse(null), config.aws().region().orElse(System.getenv("AWS_REGION")), Clock.systemUTC());
    }
}
