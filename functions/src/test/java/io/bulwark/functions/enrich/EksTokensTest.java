package io.bulwark.functions.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * EKS tokens: the token decodes to the presigned STS GetCallerIdentity URL EKS expects, with a SigV4 signature this
 * test recomputes by hand from fixed credentials (the algorithm as AWS documents it, not the SDK's code), and the
 * fabric8 client sends it as its bearer token (fabric8's Kubernetes mock server records the header).
 */
class EksTokensTest {
    // AWS's documentation example keys: not a secret
    static final String KEY_ID = "AKIDEXAMPLE";
    static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    static final String SESSION = "IQoJb3JpZ2luX2VjEXAMPLE/session+token==";
    static final Instant T0 = Instant.parse("2026-12-07T03:00:00Z");

    static final class MovableClock extends Clock {
        Instant now = T0;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    static EksTokens tokens(Clock clock) {
        return new EksTokens("prod-eks", Region.US_WEST_2, StaticCredentialsProvider.create(AwsSessionCredentials.create(KEY_ID, SECRET, SESSION)),
                clock);
    }

    static URI decode(String token) {
        assertTrue(token.startsWith("k8s-aws-v1."), token.substring(0, 11));
        String b64 = token.substring("k8s-aws-v1.".length());
        assertTrue(b64.matches("[A-Za-z0-9_-]+"), "base64url without padding");
        return URI.create(new String(Base64.getUrlDecoder().decode(b64), StandardCharsets.UTF_8));
    }

    static Map<String, String> query(URI url) {
        Map<String, String> q = new TreeMap<>();
        for (String kv : url.getRawQuery().split("&")) {
            int eq = kv.indexOf('=');
            q.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return q;
    }

    /** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX. */
    static String enc(String s) {
        StringBuilder b = new StringBuilder();
        for (byte c : s.getBytes(StandardCharsets.UTF_8)) {
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~') {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02X", c & 0xff));
            }
        }
        return b.toString();
    }

    static byte[] hmac(byte[] key, String data) throws Exception {
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(new SecretKeySpec(key, "HmacSHA256"));
        return m.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** SigV4 of a presigned GET / with headers host and x-k8s-aws-id, from the documented steps. */
    static String expectedSignature(Map<String, String> q, String host) throws Exception {
        StringBuilder cq = new StringBuilder();
        q.entrySet().stream().filter(e -> !e.getKey().equals("X-Amz-Signature"))
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> cq.append(cq.isEmpty() ? "" : "&").append(enc(e.getKey())).append('=').append(enc(e.getValue())));
        String canonical = "GET\n/\n" + cq + "\nhost:" + host + "\nx-k8s-aws-id:prod-eks\n\nhost;x-k8s-aws-id\n" + sha256("");
        String scope = "20261207/us-west-2/sts/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + q.get("X-Amz-Date") + "\n" + scope + "\n" + sha256(canonical);
        byte[] k = hmac(("AWS4" + SECRET).getBytes(StandardCharsets.UTF_8), "20261207");
        k = hmac(k, "us-west-2");
        k = hmac(k, "sts");
        k = hmac(k, "aws4_request");
        return HexFormat.of().formatHex(hmac(k, toSign));
    }

    @Test
    void theTokenIsAPresignedGetCallerIdentityForTheClusterSignedWithTheCredentials() throws Exception {
        URI url = decode(tokens(Clock.fixed(T0, ZoneOffset.UTC)).getToken());
        assertEquals("https", url.getScheme());
        assertEquals("sts.us-west-2.amazonaws.com", url.getHost());
        assertEquals("/", url.getPath());
        Map<String, String> q = query(url);
        assertEquals("GetCallerIdentity", q.get("Action"));
        assertEquals("2011-06-15", q.get("Version"));
        assertEquals("AWS4-HMAC-SHA256", q.get("X-Amz-Algorithm"));
        assertEquals(KEY_ID + "/20261207/us-west-2/sts/aws4_request", q.get("X-Amz-Credential"));
        assertEquals("20261207T030000Z", q.get("X-Amz-Date"));
        assertEquals("60", q.get("X-Amz-Expires"));
        assertEquals("host;x-k8s-aws-id", q.get("X-Amz-SignedHeaders"), "the cluster name is signed: a token for one cluster is no good for another");
        assertEquals(SESSION, q.get("X-Amz-Security-Token"), "Lambda's role credentials are session credentials");
        assertEquals(expectedSignature(q, url.getHost()), q.get("X-Amz-Signature"));
        assertFalse(q.containsKey("x-k8s-aws-id"), "the cluster travels as a signed header, not a parameter");
    }

    @Test
    void aTokenIsReusedFor14MinutesThenMintedAnew() {
        MovableClock clock = new MovableClock();
        EksTokens t = tokens(clock);
        String first = t.getToken();
        clock.now = T0.plus(Duration.ofMinutes(13).plusSeconds(59));
        assertEquals(first, t.getToken());
        clock.now = T0.plus(Duration.ofMinutes(14));
        String second = t.getToken();
        assertNotEquals(first, second);
        assertEquals("20261207T031400Z", query(decode(second)).get("X-Amz-Date"));
        assertFalse(t.toString().contains(first.substring(11, 30)), "toString never shows the token");
    }

    @Test
    void aClusterNameIsRequired() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new EksTokens(" ", Region.US_WEST_2, StaticCredentialsProvider.create(AwsSessionCredentials.create(KEY_ID, SECRET, SESSION)),
                        Clock.systemUTC()));
        assertTrue(e.getMessage().contains("bulwark.kubernetes.eks-cluster-name"), e.getMessage());
    }

    @Test
    @Tag("servers")
    void theKubernetesClientSendsTheTokenAsItsBearerToken() throws Exception {
        KubernetesMockServer api = new KubernetesMockServer(true);
        api.init();
        try {
            api.expect().get().withPath("/api/v1/namespaces/shop/pods/web-1")
                    .andReturn(200, new PodBuilder().withNewMetadata().withName("web-1").withNamespace("shop").endMetadata().build()).always();
            EksTokens eks = tokens(Clock.fixed(T0, ZoneOffset.UTC));
            try (KubernetesClient k8s = KubernetesClients.build(Optional.of(api.url("/")), Optional.of("/nonexistent/token-file-not-read"),
                    Optional.empty(), Optional.empty(), true, Duration.ofSeconds(5), Duration.ofSeconds(3), eks)) {
                assertEquals("web-1", k8s.pods().inNamespace("shop").withName("web-1").get().getMetadata().getName());
            }
            RecordedRequest r = api.takeRequest(5, TimeUnit.SECONDS);
            while (r != null && !r.getPath().startsWith("/api/v1/namespaces/shop/pods/web-1")) {
                r = api.takeRequest(5, TimeUnit.SECONDS);
            }
            assertTrue(r != null, "the pod was asked for");
            String auth = r.getHeader("Authorization");
            assertTrue(auth.startsWith("Bearer k8s-aws-v1."), auth.substring(0, Math.min(20, auth.length())));
            URI url = decode(auth.substring("Bearer ".length()));
            assertEquals("GetCallerIdentity", query(url).get("Action"));
            assertEquals(eks.getToken(), auth.substring("Bearer ".length()));
        } finally {
            api.destroy();
        }
    }
}
