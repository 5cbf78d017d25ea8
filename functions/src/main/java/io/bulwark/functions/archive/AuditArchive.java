package io.bulwark.functions.archive;

import java.util.Optional;
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
 * The archive as the audit function uses it: objects are created once and never overwritten
 * (conditional {@code If-None-Match: *}), and the one pointer object is replaced only by
 * compare-and-swap ({@code If-Match: <etag>}). S3 answers 412 when the condition fails, 409 when
 * a concurrent conditional write to the same key is in flight; both mean "someone else won".
 */
public final class AuditArchive {
    private final S3Client s3;
    private final String bucket;

    public AuditArchive(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    public String bucket() {
        return bucket;
    }

    /** An object's bytes and ETag. */
    public record Stored(byte[] body, String etag) {}

    public Optional<Stored> get(String key) {
        try {
            ResponseBytes<GetObjectResponse> r = s3.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(key).build());
            return Optional.of(new Stored(r.asByteArray(), r.response().eTag()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw new ArchiveException("GET", bucket, key, e);
        }
    }

    /** Creates {@code key}; false when it already exists (nothing written). */
    public boolean createIfAbsent(String key, byte[] body) {
        return put(PutObjectRequest.builder().bucket(bucket).key(key).contentType("application/json").ifNoneMatch("*").build(), key, body) != null;
    }

    /**
     * Replaces {@code key} only if it still has {@code etag}; creates it only if absent when
     * {@code etag} is null. Returns the new ETag, or empty when the condition failed.
     */
    public Optional<String> compareAndSwap(String key, byte[] body, String etag) {
        PutObjectRequest.Builder b = PutObjectRequest.builder().bucket(bucket).key(key).contentType("application/json");
        b = etag == null ? b.ifNoneMatch("*") : b.ifMatch(etag);
        PutObjectResponse r = put(b.build(), key, body);
        return r == null ? Optional.empty() : Optional.of(r.eTag());
    }

    private PutObjectResponse put(PutObjectRequest request, String key, byte[] body) {
        try {
            return s3.putObject(request, RequestBody.fromBytes(body));
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return null;
            }
            throw new ArchiveException("PUT", bucket, key, e);
        }
    }

    /** An archive call failed for another reason than a failed condition. */
    public static final class ArchiveException extends RuntimeException {
        public ArchiveException(String op, String bucket, String key, S3Exception cause) {
            super(op + " s3://" + bucket + "/" + key + " failed: HTTP " + cause.statusCode() + " "
                    + (cause.awsErrorDetails() == null ? cause.getMessage() : cause.awsErrorDetails().errorCode()), cause);
        }
    }
}
