package io.bulwark.delivery;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Base64;
import java.util.HexFormat;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Envelopes over a target's size limit: the whole envelope goes to
 * {@code s3://BUCKET/nodes/NODE/overflow/yyyy/mm/dd/ID.json} (SHA-256 checksum sent with it, never
 * overwritten: {@code If-None-Match: *}, and an object already there from an earlier attempt counts
 * as written), and the message carries a pointer ({@link Item#pointTo}). The node's prefix is all
 * the sensor's role may write (infra/modules/iam).
 */
public final class Overflow {
    private final java.util.function.Supplier<S3Client> client;
    private S3Client s3;
    private final String bucket;
    private final String node;

    public Overflow(S3Client s3, String bucket, String node) {
        this(() -> s3, bucket, node);
    }

    /** The client is made at the first oversized envelope: most nodes never need it (the S3 client's classes are ≈8 MiB). */
    public Overflow(java.util.function.Supplier<S3Client> client, String bucket, String node) {
        this.client = client;
        this.bucket = bucket;
        this.node = node == null || node.isBlank() ? "unknown-node" : node;
    }

    public String key(Item it) {
        Instant t;
        try {
            t = it.time() == null ? Instant.ofEpochMilli(it.appendedAt()) : Instant.parse(it.time());
        } catch (RuntimeException e) {
            t = Instant.ofEpochMilli(it.appendedAt());
        }
        ZonedDateTime z = t.atZone(ZoneOffset.UTC);
        return String.format("nodes/%s/overflow/%04d/%02d/%02d/%s.json", node, z.getYear(), z.getMonthValue(), z.getDayOfMonth(), it.id());
    }

    /** Writes the envelope and makes {@code it} carry the pointer. */
    public void offload(Item it) {
        byte[] body = it.body().getBytes(StandardCharsets.UTF_8);
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(body);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        String key = key(it);
        if (s3 == null) {
            s3 = client.get();
        }
        try {
            s3.putObject(b -> b.bucket(bucket).key(key).contentType("application/json").ifNoneMatch("*")
                    .checksumAlgorithm(ChecksumAlgorithm.SHA256).checksumSHA256(Base64.getEncoder().encodeToString(digest)),
                    RequestBody.fromBytes(body));
        } catch (S3Exception e) {
            if (e.statusCode() != 412) { // 412: written by an earlier attempt, evidence is not overwritten
                throw e;
            }
        }
        it.pointTo(bucket, key, body.length, HexFormat.of().formatHex(digest));
    }
}
