package io.bulwark.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectLockLegalHoldStatus;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The archive in an S3 bucket. Every PutObject carries {@code If-None-Match: *} (S3 answers 412 when
 * the key exists, so nothing is overwritten), {@code x-amz-checksum-sha256} (S3 rejects bytes that do
 * not match), and with {@link Lock} set the Object Lock headers: mode COMPLIANCE, retain-until, and
 * legal hold ON. On 412 the object there is read back and compared by SHA-256.
 *
 * <p>Before each PutObject a HeadObject checks whether the key exists: S3 enforces If-None-Match
 * itself, but S3-compatible stores may not (S3Proxy 2.6.0, the local stack's, ignores it and would
 * overwrite), so the check keeps the local archive append-only too, short of a race between two
 * writers of the same key (which AWS's 412 covers).
 */
public final class S3Store implements Store {
    /** Object Lock settings for new objects; days 0 = no retention header. */
    public record Lock(int days, boolean legalHold) {
        public static final Lock NONE = new Lock(0, false);
    }

    private final S3Client s3;
    private final String bucket;
    private final Lock lock;
    private final java.time.Clock clock;

    public S3Store(S3Client s3, String bucket, Lock lock) {
        this(s3, bucket, lock, java.time.Clock.systemUTC());
    }

    public S3Store(S3Client s3, String bucket, Lock lock, java.time.Clock clock) {
        this.s3 = s3;
        this.bucket = bucket;
        this.lock = lock == null ? Lock.NONE : lock;
        this.clock = clock;
    }

    public String bucket() {
        return bucket;
    }

    private PutObjectRequest request(String key, String sha256, long size, String contentType) {
        PutObjectRequest.Builder b = PutObjectRequest.builder().bucket(bucket).key(key).ifNoneMatch("*")
                .checksumAlgorithm(ChecksumAlgorithm.SHA256).checksumSHA256(Hashes.base64OfHex(sha256))
                .contentLength(size).contentType(contentType == null ? "application/octet-stream" : contentType);
        if (lock.days() > 0) {
            b.objectLockMode(ObjectLockMode.COMPLIANCE).objectLockRetainUntilDate(Instant.now(clock).plus(java.time.Duration.ofDays(lock.days())));
        }
        if (lock.legalHold()) {
            b.objectLockLegalHoldStatus(ObjectLockLegalHoldStatus.ON);
        }
        return b.build();
    }

    @Override
    public Put put(String key, Path file, String sha256, String contentType) throws IOException {
        long size = java.nio.file.Files.size(file);
        if (exists(key)) {
            return compare(key, sha256);
        }
        try {
            s3.putObject(request(key, sha256, size, contentType), RequestBody.fromFile(file));
            return Put.CREATED;
        } catch (S3Exception e) {
            return onError(e, key, sha256);
        }
    }

    @Override
    public Put put(String key, byte[] data, String contentType) throws IOException {
        String sha = Hashes.hex(data);
        if (exists(key)) {
            return compare(key, sha);
        }
        try {
            s3.putObject(request(key, sha, data.length, contentType), RequestBody.fromBytes(data));
            return Put.CREATED;
        } catch (S3Exception e) {
            return onError(e, key, sha);
        }
    }

    private Put onError(S3Exception e, String key, String sha) throws IOException {
        // 412: If-None-Match failed, the key exists; 409: a concurrent conditional write to the same key
        if (e.statusCode() != 412 && e.statusCode() != 409) {
            throw new IOException("s3://" + bucket + "/" + key + ": PutObject failed: " + e.getMessage(), e);
        }
        return compare(key, sha);
    }

    private Put compare(String key, String sha) throws IOException {
        String there;
        try (InputStream in = open(key)) {
            there = Hashes.stream(in, null);
        }
        if (there.equals(sha)) {
            return Put.ALREADY_THERE;
        }
        throw new ConflictException("s3://" + bucket + "/", key, there, sha);
    }

    @Override
    public InputStream open(String key) throws IOException {
        try {
            return s3.getObject(b -> b.bucket(bucket).key(key).checksumMode(ChecksumMode.ENABLED));
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException(describe(key), null, "no such object");
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new NoSuchFileException(describe(key), null, "no such object");
            }
            throw new IOException(describe(key) + ": GetObject failed: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean exists(String key) throws IOException {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw new IOException(describe(key) + ": HeadObject failed: " + e.getMessage(), e);
        }
    }

    @Override
    public List<Entry> list(String prefix) throws IOException {
        List<Entry> out = new ArrayList<>();
        try {
            s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()
                    // S3Proxy's filesystem backend lists its directories as "dir/" objects; no key of ours ends in "/"
                    .stream().filter(o -> !o.key().endsWith("/")).forEach(o -> out.add(new Entry(o.key(), o.size())));
        } catch (S3Exception e) {
            throw new IOException("s3://" + bucket + "/" + prefix + ": ListObjectsV2 failed: " + e.getMessage(), e);
        }
        out.sort(java.util.Comparator.comparing(Entry::key));
        return out;
    }

    @Override
    public String describe(String key) {
        return "s3://" + bucket + "/" + key;
    }

    @Override
    public void close() {
        s3.close();
    }
}
