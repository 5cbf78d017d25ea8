package io.bulwark.functions.triage;

import io.bulwark.contract.Incident;
import io.bulwark.contract.Json;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The incident state: one S3 object per incident, {@code <prefix>incidents/<id>.json}, changed only by
 * conditional writes (docs/triage.md, "The incident store"). A new incident is created with
 * {@code If-None-Match: *}, a change is written with {@code If-Match: <the ETag it was read with>}; when
 * another invocation wrote first (412, or 409 for a concurrent conditional write) the object is read
 * again and the change merged into the newer version. Correlation indexes
 * ({@code <prefix>index/<key hash>.json}) are kept the same way.
 */
public final class IncidentStore {
    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final int attempts;

    public IncidentStore(S3Client s3, String bucket, String prefix, int attempts) {
        this.s3 = s3;
        this.bucket = bucket;
        String p = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
        this.prefix = p.isEmpty() ? "" : p + "/";
        this.attempts = Math.max(1, attempts);
    }

    public String bucket() {
        return bucket;
    }

    public String incidentKey(String id) {
        return prefix + "incidents/" + safe(id) + ".json";
    }

    public String indexKey(String correlationKey) {
        return prefix + "index/" + io.bulwark.contract.StableId.of("correlation", correlationKey) + ".json";
    }

    /** An object's bytes and ETag. */
    public record Stored(byte[] body, String etag) {}

    public Optional<Incident> get(String id) {
        return read(incidentKey(id)).map(s -> Json.parse(new String(s.body(), StandardCharsets.UTF_8), Incident.class));
    }

    /** What {@link #update} did. */
    public record Updated<T>(T value, boolean changed, int attempts) {}

    /**
     * Applies {@code change} to the incident (null when it does not exist yet) and stores the result,
     * retrying on a lost race with the newer version; returns the stored value. {@code change} must be
     * a pure merge: it may run more than once. Returning the same instance means "nothing to write".
     */
    public Updated<Incident> update(String id, UnaryOperator<Incident> change) {
        return updateObject(incidentKey(id), Incident.class, change);
    }

    /** The same compare-and-swap for any JSON record (the correlation index). */
    public <T> Updated<T> updateObject(String key, Class<T> type, UnaryOperator<T> change) {
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Optional<Stored> current = read(key);
            T before = current.map(s -> Json.parse(new String(s.body(), StandardCharsets.UTF_8), type)).orElse(null);
            T after = change.apply(before);
            if (after == null || after == before) {
                return new Updated<>(before, false, attempt);
            }
            byte[] body = Json.line(after).getBytes(StandardCharsets.UTF_8);
            PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(bucket).key(key).contentType("application/json");
            put = current.isPresent() ? put.ifMatch(current.get().etag()) : put.ifNoneMatch("*");
            if (write(put.build(), key, body) != null) {
                return new Updated<>(after, true, attempt);
            }
            backoff(attempt);
        }
        throw new ConcurrentUpdateException(key + " kept changing under " + attempts + " attempts to update it; the message is retried");
    }

    public <T> Optional<T> getObject(String key, Class<T> type) {
        return read(key).map(s -> Json.parse(new String(s.body(), StandardCharsets.UTF_8), type));
    }

    Optional<Stored> read(String key) {
        try {
            ResponseBytes<GetObjectResponse> r = s3.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(key).build());
            return Optional.of(new Stored(r.asByteArray(), r.response().eTag()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw new StoreException("GET s3://" + bucket + "/" + key + " failed: HTTP " + e.statusCode() + " " + code(e), e);
        }
    }

    /** The response, or null when the condition failed (someone else wrote first). */
    private PutObjectResponse write(PutObjectRequest request, String key, byte[] body) {
        try {
            return s3.putObject(request, RequestBody.fromBytes(body));
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return null;
            }
            throw new StoreException("PUT s3://" + bucket + "/" + key + " failed: HTTP " + e.statusCode() + " " + code(e), e);
        }
    }

    private static void backoff(int attempt) {
        long cap = Math.min(200, 5L << Math.min(attempt, 6));
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(1, cap + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConcurrentUpdateException("interrupted while retrying an incident update");
        }
    }

    private static String code(S3Exception e) {
        return e.awsErrorDetails() == null ? String.valueOf(e.getMessage()) : e.awsErrorDetails().errorCode();
    }

    static String safe(String s) {
        String out = s.replaceAll("[^A-Za-z0-9._-]", "_");
        return out.length() > 128 ? out.substring(0, 128) : out;
    }

    /** Lost every race: the invocation fails this message (SQS redelivers it). */
    public static final class ConcurrentUpdateException extends RuntimeException {
        public ConcurrentUpdateException(String m) {
            super(m);
        }
    }

    /** The store failed for another reason than a lost race (network, permissions): retry the message. */
    public static final class StoreException extends RuntimeException {
        public StoreException(String m, Throwable cause) {
            super(m, cause);
        }
    }
}
