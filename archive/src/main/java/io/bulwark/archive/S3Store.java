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

    /**
     * Multipart upload of large files: objects over {@code threshold} bytes go up in parts of
     * {@code partSize} bytes (at least 5 MiB, S3's minimum; grown so no object needs over 10,000 parts),
     * {@code threads} parts at a time. S3's single PutObject stops at 5 GiB; multipart goes to 5 TiB.
     */
    public record Multipart(long threshold, long partSize, int threads) {
        public static final long MIN_PART = 5L << 20;
        public static final long SINGLE_PUT_LIMIT = 5L << 30;
        /** 64 MiB: below it one PutObject is as fast; parts of 16 MiB, 4 at a time (64 MiB of parts in flight, streamed, not buffered). */
        public static final Multipart DEFAULT = new Multipart(64L << 20, 16L << 20, 4);

        public Multipart {
            if (partSize < MIN_PART) {
                throw new IllegalArgumentException("multipart part size " + partSize + " is under S3's minimum of 5 MiB");
            }
            if (threshold < partSize || threshold > SINGLE_PUT_LIMIT) {
                throw new IllegalArgumentException("multipart threshold " + threshold + " must lie between the part size and 5 GiB (S3's single PUT limit)");
            }
            if (threads < 1) {
                throw new IllegalArgumentException("multipart threads must be at least 1");
            }
        }

        /** "THRESHOLD_MIB,PART_MIB,THREADS" (the benchmarks' -Dbulwark.s3.multipart), null = {@link #DEFAULT}. */
        static Multipart fromProperty(String v) {
            if (v == null || v.isBlank()) {
                return DEFAULT;
            }
            String[] p = v.split(",");
            if (p.length != 3) {
                throw new IllegalArgumentException("bulwark.s3.multipart '" + v + "': give THRESHOLD_MIB,PART_MIB,THREADS (e.g. 64,16,4)");
            }
            return new Multipart(Long.parseLong(p[0].trim()) << 20, Long.parseLong(p[1].trim()) << 20, Integer.parseInt(p[2].trim()));
        }

        long partSizeFor(long size) {
            long p = partSize;
            while ((size + p - 1) / p > 10_000) {
                p *= 2;
            }
            return p;
        }
    }

    private final S3Client s3;
    private final String bucket;
    private final Lock lock;
    private final java.time.Clock clock;
    private volatile Multipart multipart = Multipart.fromProperty(System.getProperty("bulwark.s3.multipart"));
    private java.util.concurrent.ExecutorService partPool;

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

    /** Uses {@code m} for later puts of files. */
    public S3Store multipart(Multipart m) {
        this.multipart = m;
        return this;
    }

    public Multipart multipart() {
        return multipart;
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
        if (size > multipart.threshold()) {
            return putMultipart(key, file, size, sha256, contentType);
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

    /**
     * CreateMultipartUpload (checksum algorithm SHA256, the Object Lock headers, the whole object's SHA-256
     * as metadata {@code x-amz-meta-sha256}), UploadPart with each part's own {@code x-amz-checksum-sha256}
     * ({@code threads} at a time, each part streamed from the file), CompleteMultipartUpload with every
     * part's ETag and checksum and {@code If-None-Match: *} (S3 refuses to complete over an existing key).
     * S3's checksum of a multipart object is a checksum of the part checksums, not the object's SHA-256:
     * the manifest's SHA-256 is the file's, which `verify` recomputes from the bytes. Any failure aborts
     * the upload so no parts are left behind.
     */
    private Put putMultipart(String key, Path file, long size, String sha256, String contentType) throws IOException {
        long partSize = multipart.partSizeFor(size);
        int parts = (int) ((size + partSize - 1) / partSize);
        software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest.Builder cb = software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest
                .builder().bucket(bucket).key(key).checksumAlgorithm(ChecksumAlgorithm.SHA256)
                .contentType(contentType == null ? "application/octet-stream" : contentType).metadata(java.util.Map.of("sha256", sha256));
        if (lock.days() > 0) {
            cb.objectLockMode(ObjectLockMode.COMPLIANCE).objectLockRetainUntilDate(Instant.now(clock).plus(java.time.Duration.ofDays(lock.days())));
        }
        if (lock.legalHold()) {
            cb.objectLockLegalHoldStatus(ObjectLockLegalHoldStatus.ON);
        }
        String uploadId;
        try {
            uploadId = s3.createMultipartUpload(cb.build()).uploadId();
        } catch (S3Exception e) {
            throw new IOException(describe(key) + ": CreateMultipartUpload failed: " + e.getMessage(), e);
        }
        try {
            java.util.concurrent.ExecutorService pool = pool();
            List<java.util.concurrent.Future<software.amazon.awssdk.services.s3.model.CompletedPart>> futures = new ArrayList<>();
            for (int i = 0; i < parts; i++) {
                int number = i + 1;
                long offset = i * partSize;
                long length = Math.min(partSize, size - offset);
                futures.add(pool.submit(() -> uploadPart(key, uploadId, file, number, offset, length)));
            }
            List<software.amazon.awssdk.services.s3.model.CompletedPart> done = new ArrayList<>();
            for (var f : futures) {
                try {
                    done.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    futures.forEach(x -> x.cancel(true));
                    Throwable c = e.getCause();
                    throw c instanceof IOException io ? io : new IOException(describe(key) + ": UploadPart failed: " + c, c);
                } catch (InterruptedException e) {
                    futures.forEach(x -> x.cancel(true));
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException(describe(key) + ": interrupted during the multipart upload");
                }
            }
            try {
                s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId).ifNoneMatch("*")
                        .multipartUpload(m -> m.parts(done)));
            } catch (S3Exception e) {
                abort(key, uploadId);
                return onError(e, key, sha256);
            }
            return Put.CREATED;
        } catch (IOException | RuntimeException e) {
            abort(key, uploadId);
            throw e;
        }
    }

    private software.amazon.awssdk.services.s3.model.CompletedPart uploadPart(String key, String uploadId, Path file, int number, long offset, long length)
            throws IOException {
        String partSha;
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            partSha = Hashes.stream(new BoundedInputStream(java.nio.channels.Channels.newInputStream(ch.position(offset)), length), null);
        }
        String b64 = Hashes.base64OfHex(partSha);
        RequestBody body = RequestBody.fromContentProvider(() -> {
            try {
                java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file);
                return new BoundedInputStream(java.nio.channels.Channels.newInputStream(ch.position(offset)), length);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, length, "application/octet-stream");
        try {
            String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(number).contentLength(length)
                    .checksumAlgorithm(ChecksumAlgorithm.SHA256).checksumSHA256(b64), body).eTag();
            return software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(number).eTag(etag).checksumSHA256(b64).build();
        } catch (S3Exception e) {
            throw new IOException(describe(key) + ": UploadPart " + number + " failed: " + e.getMessage(), e);
        }
    }

    private void abort(String key, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
        } catch (RuntimeException ignored) {
            // best effort; a lifecycle rule on incomplete uploads cleans up what is left (infra/)
        }
    }

    private synchronized java.util.concurrent.ExecutorService pool() {
        if (partPool == null) {
            java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
            partPool = java.util.concurrent.Executors.newFixedThreadPool(multipart.threads(), r -> {
                Thread t = new Thread(r, "bulwark-s3-part-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
        return partPool;
    }

    /** At most {@code left} bytes of {@code in}; closes it. */
    private static final class BoundedInputStream extends java.io.FilterInputStream {
        private long left;

        BoundedInputStream(InputStream in, long left) {
            super(in);
            this.left = left;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public boolean markSupported() {
            return false;
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
        synchronized (this) {
            if (partPool != null) {
                partPool.shutdownNow();
            }
        }
        s3.close();
    }
}
