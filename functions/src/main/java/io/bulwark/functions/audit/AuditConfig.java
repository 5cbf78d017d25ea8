package io.bulwark.functions.audit;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Configuration of the audit aggregation function ({@code bulwark.audit.*} in
 * application.properties, or the environment: {@code BULWARK_AUDIT_BUCKET} …). No key holds a
 * secret: AWS credentials come from the SDK's default chain (the Lambda role).
 */
@ConfigMapping(prefix = "bulwark.audit")
public interface AuditConfig {

    /** The archive bucket (the evidence bucket; audit objects live under {@link #prefix()}). */
    String bucket();

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

    Bus bus();

    Aws aws();

    Kubernetes kubernetes();

    interface Findings {
        /** Guardrail: at most this many Escape Surface Finding events per invocation; the rest are counted. */
        @WithDefault("10")
        int maxPerInvocation();
    }

    interface Bus {
        /** eventbridge (PutEvents) or local (in-process event-ruler matching, the embedded local mode). */
        @WithDefault("eventbridge")
        BusKind kind();

        /** EventBridge bus name or ARN. */
        @WithDefault("default")
        String name();

        /** Account id written into local-bus envelopes (EventBridge fills its own). */
        Optional<String> account();
    }

    enum BusKind {
        EVENTBRIDGE, LOCAL
    }

    interface Aws {
        /** Region; the SDK's default chain (AWS_REGION in Lambda) when unset. */
        Optional<String> region();

        /** S3 endpoint override (tests, S3-compatible stores); unset in AWS. */
        Optional<URI> s3Endpoint();

        /** Path-style S3 addressing (needed by most local S3 servers). */
        @WithDefault("false")
        boolean s3PathStyle();

        /** EventBridge endpoint override (tests); unset in AWS. */
        Optional<URI> eventsEndpoint();

        /** Timeout of one AWS API call. */
        @WithDefault("PT10S")
        Duration callTimeout();
    }

    /**
     * The Kubernetes API the pod specs come from. Runtime settings of this function, not
     * {@code quarkus.kubernetes-client.*}: those are fixed at build time, and one build serves
     * every cluster. Unset URL: fabric8's own discovery (KUBECONFIG, ~/.kube/config, in-cluster
     * service account, KUBERNETES_MASTER).
     */
    interface Kubernetes {
        /** Ask the API for the pod of each container. Off: the report says enrichment "disabled". */
        @WithDefault("true")
        boolean enabled();

        /** API server URL (https://…). */
        Optional<String> apiUrl();

        /** File holding a bearer token, re-read for every request (rotating tokens). Never logged. */
        Optional<String> tokenFile();

        /** PEM file of the API server's CA. */
        Optional<String> caCertFile();

        /** Skip TLS verification (tests only). */
        @WithDefault("false")
        boolean trustCerts();

        /** Timeout of one API request; the first failure stops the enrichment of that report. */
        @WithDefault("PT5S")
        Duration requestTimeout();

        @WithDefault("PT3S")
        Duration connectTimeout();
    }
}
