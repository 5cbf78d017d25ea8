package io.bulwark.functions.enrich;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.OAuthTokenProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** A fabric8 client from the function's run-time settings (docs/audit-aggregation.md, "Configuration"). */
public final class KubernetesClients {
    private KubernetesClients() {}

    /**
     * @param apiUrl      API server URL; empty: fabric8's discovery (KUBECONFIG, in-cluster, KUBERNETES_MASTER)
     * @param tokenFile   bearer token file, re-read for every request so a rotated token is picked up
     * @param caCertFile  PEM CA of the API server
     */
    public static KubernetesClient build(Optional<String> apiUrl, Optional<String> tokenFile, Optional<String> caCertFile,
                                         boolean trustCerts, Duration requestTimeout, Duration connectTimeout) {
        return build(apiUrl, tokenFile, caCertFile, Optional.empty(), trustCerts, requestTimeout, connectTimeout, null);
    }

    /**
     * @param caCertData the API server's CA as base64 PEM (what EKS's DescribeCluster gives as certificateAuthority.data)
     * @param eks        EKS tokens (a cluster name is configured): every request carries one as its bearer token, and a
     *                   token file is not read
     */
    public static KubernetesClient build(Optional<String> apiUrl, Optional<String> tokenFile, Optional<String> caCertFile,
                                         Optional<String> caCertData, boolean trustCerts, Duration requestTimeout, Duration connectTimeout,
                                         OAuthTokenProvider eks) {
        ConfigBuilder b = apiUrl.isPresent()
                ? new ConfigBuilder(Config.empty()).withMasterUrl(apiUrl.get())
                : new ConfigBuilder(Config.autoConfigure(null));
        b.withRequestTimeout((int) requestTimeout.toMillis())
                .withConnectionTimeout((int) connectTimeout.toMillis())
                .withRequestRetryBackoffLimit(0)
                .withTrustCerts(trustCerts);
        caCertFile.ifPresent(b::withCaCertFile);
        caCertData.ifPresent(b::withCaCertData);
        if (eks != null) {
            b.withOauthTokenProvider(eks);
        } else {
            tokenFile.ifPresent(file -> b.withOauthTokenProvider(() -> readToken(file)));
        }
        return new KubernetesClientBuilder().withConfig(b.build()).build();
    }

    private static String readToken(String file) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            // the path is configuration, not a secret; the token itself is never in a message
            throw new UncheckedIOException("cannot read the Kubernetes token file " + file, e);
        }
    }
}
