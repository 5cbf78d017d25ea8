package io.bulwark.functions.aws;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * The Kubernetes API the enrichment asks ({@code bulwark.kubernetes.*}; formerly
 * {@code bulwark.audit.kubernetes.*}). Runtime settings, not {@code quarkus.kubernetes-client.*}:
 * those are fixed at build time, and one build serves every cluster. Unset URL: fabric8's own discovery
 * (KUBECONFIG, ~/.kube/config, in-cluster service account, KUBERNETES_MASTER).
 */
@ConfigMapping(prefix = "bulwark.kubernetes")
public interface KubernetesConfig {
    /** Ask the API for pods (and, in triage, nodes). Off: enrichment "disabled". */
    @WithDefault("true")
    boolean enabled();

    /** API server URL (https://…). */
    Optional<String> apiUrl();

    /** File holding a bearer token, re-read for every request (rotating tokens). Never logged. */
    Optional<String> tokenFile();

    /**
     * The EKS cluster's name: when set, every request carries an EKS token minted from the function's own AWS
     * credentials (the default chain: its role), a presigned STS GetCallerIdentity for this cluster, and the token
     * file is not read. Set it with the cluster's endpoint ({@code api-url}) and CA ({@code ca-cert-file}) in AWS.
     */
    Optional<String> eksClusterName();

    /** PEM file of the API server's CA. */
    Optional<String> caCertFile();

    /** The API server's CA as base64 PEM, as EKS gives it (certificateAuthority.data); for Lambda, where no file is. */
    Optional<String> caCertData();

    /** Skip TLS verification (tests only). */
    @WithDefault("false")
    boolean trustCerts();

    /** Timeout of one API request; the first failure stops the enrichment of that event. */
    @WithDefault("PT5S")
    Duration requestTimeout();

    @WithDefault("PT3S")
    Duration connectTimeout();
}
