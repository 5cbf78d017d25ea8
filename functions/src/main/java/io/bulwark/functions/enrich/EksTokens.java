package io.bulwark.functions.enrich;

import io.fabric8.kubernetes.client.OAuthTokenProvider;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/**
 * EKS bearer tokens for the fabric8 client, as {@code aws eks get-token} and aws-iam-authenticator make them: a
 * SigV4-presigned STS {@code GetCallerIdentity} URL (GET {@code https://sts.REGION.amazonaws.com/?Action=
 * GetCallerIdentity&Version=2011-06-15}, the header {@code x-k8s-aws-id: CLUSTER} signed with it, expiry 60 s),
 * base64url without padding, prefixed {@code k8s-aws-v1.}. EKS calls STS with it and maps the caller's role to the
 * function's access entry (its Kubernetes groups).
 *
 * <p>The credentials come from the SDK's default chain (in Lambda: the function role's session credentials from the
 * environment, so {@code X-Amz-Security-Token} is in the URL). EKS accepts a token for 15 minutes after it was
 * signed; one is reused for {@link #REUSE} (as {@code aws eks get-token} gives it 14 minutes) and re-minted after,
 * on the next request. The token is a credential: never logged, and no message here contains it.
 */
public final class EksTokens implements OAuthTokenProvider {
    public static final String PREFIX = "k8s-aws-v1.";
    /** The presigned URL's X-Amz-Expires. */
    public static final Duration URL_EXPIRY = Duration.ofSeconds(60);
    /** How long one token is handed out (EKS accepts it for 15 minutes). */
    public static final Duration REUSE = Duration.ofMinutes(14);

    private final String cluster;
    private final Region region;
    private final AwsCredentialsProvider credentials;
    private final Clock clock;
    private final HttpSigner<software.amazon.awssdk.identity.spi.AwsCredentialsIdentity> signer = AwsV4HttpSigner.create();
    private String token;
    private Instant mintedAt;

    /**
     * @param cluster     the EKS cluster's name (x-k8s-aws-id)
     * @param region      the cluster's region (the STS endpoint is regional)
     * @param credentials whose identity EKS sees
     */
    public EksTokens(String cluster, Region region, AwsCredentialsProvider credentials, Clock clock) {
        if (cluster == null || cluster.isBlank()) {
            throw new IllegalArgumentException("an EKS token needs the cluster's name (bulwark.kubernetes.eks-cluster-name)");
        }
        this.cluster = cluster;
        this.region = Objects.requireNonNull(region, "region");
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.clock = clock;
    }

    /** The cluster in {@code region} (the default region chain when null), with the default credentials chain. */
    public static EksTokens forCluster(String cluster, String region) {
        Region r = region == null || region.isBlank() ? new DefaultAwsRegionProviderChain().getRegion() : Region.of(region);
        return new EksTokens(cluster, r, DefaultCredentialsProvider.builder().build(), Clock.systemUTC());
    }

    /** A token: the last one while it is younger than {@link #REUSE}, else a new one. */
    @Override
    public synchronized String getToken() {
        Instant now = clock.instant();
        if (token == null || !now.isBefore(mintedAt.plus(REUSE)) || now.isBefore(mintedAt)) {
            token = mint(now);
            mintedAt = now;
        }
        return token;
    }

    /** A new token signed at {@code now}. */
    String mint(Instant now) {
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.GET)
                .protocol("https")
                .host("sts." + region.id() + ".amazonaws.com")
                .encodedPath("/")
                .putRawQueryParameter("Action", "GetCallerIdentity")
                .putRawQueryParameter("Version", "2011-06-15")
                .putHeader("x-k8s-aws-id", cluster)
                .build();
        var signed = signer.sign(r -> r.identity(credentials.resolveCredentials())
                .request(request)
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "sts")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region.id())
                .putProperty(AwsV4FamilyHttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                .putProperty(AwsV4FamilyHttpSigner.EXPIRATION_DURATION, URL_EXPIRY)
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(now, java.time.ZoneOffset.UTC)));
        String url = signed.request().getUri().toString();
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(url.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "EKS tokens for cluster " + cluster + " in " + region.id(); // never the token
    }
}
