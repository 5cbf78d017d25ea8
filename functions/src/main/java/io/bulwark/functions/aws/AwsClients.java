package io.bulwark.functions.aws;

import io.bulwark.functions.bus.EventBridgeBus;
import io.bulwark.functions.bus.FindingBus;
import io.bulwark.functions.bus.LocalEventBus;
import io.bulwark.functions.bus.Patterns;
import io.bulwark.functions.enrich.EksTokens;
import io.bulwark.functions.enrich.KubernetesClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClientBuilder;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.SqsClientBuilder;

/**
 * The clients every function shares, built from {@link AwsConfig}, {@link BusConfig} and
 * {@link KubernetesConfig}: AWS SDK v2 clients over url-connection HTTP, the fabric8 client, the bus.
 * All are created on first use, so a function builds only what its handler injects.
 */
@ApplicationScoped
public class AwsClients {

    @Produces
    @ApplicationScoped
    S3Client s3(AwsConfig config) {
        S3ClientBuilder b = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(config.callTimeout()).build())
                .forcePathStyle(config.s3PathStyle());
        config.region().ifPresent(r -> b.region(Region.of(r)));
        config.s3Endpoint().ifPresent(e -> {
            b.endpointOverride(e);
            // local S3 servers (S3Proxy) reject the SDK's default aws-chunked trailing checksums
            b.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED);
        });
        return b.build();
    }

    void closeS3(@Disposes S3Client s3) {
        s3.close();
    }

    @Produces
    @ApplicationScoped
    EventBridgeClient events(AwsConfig config) {
        EventBridgeClientBuilder b = EventBridgeClient.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(config.callTimeout()).build());
        config.region().ifPresent(r -> b.region(Region.of(r)));
        config.eventsEndpoint().ifPresent(b::endpointOverride);
        return b.build();
    }

    void closeEvents(@Disposes EventBridgeClient events) {
        events.close();
    }

    @Produces
    @ApplicationScoped
    SqsClient sqs(AwsConfig config) {
        SqsClientBuilder b = SqsClient.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(ClientOverrideConfiguration.builder().apiCallTimeout(config.callTimeout()).build());
        config.region().ifPresent(r -> b.region(Region.of(r)));
        config.sqsEndpoint().ifPresent(b::endpointOverride);
        return b.build();
    }

    void closeSqs(@Disposes SqsClient sqs) {
        sqs.close();
    }

    /** A singleton, not a client proxy: the local mode hands out the {@link LocalEventBus} itself (subscribe). */
    @Produces
    @Singleton
    FindingBus bus(BusConfig config, Instance<EventBridgeClient> events) {
        if (config.kind() == BusConfig.Kind.LOCAL) {
            LocalEventBus local = new LocalEventBus();
            for (String p : Patterns.ALL) {
                local.addRule(p, Patterns.load(p));
            }
            return local;
        }
        return new EventBridgeBus(events.get(), config.name());
    }

    /**
     * The fabric8 client, from the functions' runtime settings (replaces the extension's default bean,
     * whose settings are build-time fixed).
     */
    @Produces
    @Singleton
    KubernetesClient kubernetes(KubernetesConfig k, AwsConfig aws) {
        EksTokens eks = k.eksClusterName().map(c -> EksTokens.forCluster(c, aws.region().orElse(null))).orElse(null);
        return KubernetesClients.build(k.apiUrl(), k.tokenFile(), k.caCertFile(), k.caCertData(), k.trustCerts(), k.requestTimeout(),
                k.connectTimeout(), eks);
    }

    void closeKubernetes(@Disposes KubernetesClient client) {
        client.close();
    }
}
