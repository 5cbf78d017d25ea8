package io.bulwark.functions.respond.state;

import io.bulwark.contract.Json;
import io.bulwark.contract.StableId;
import io.bulwark.response.state.AuditRecord;
import io.bulwark.response.state.PendingApproval;
import io.bulwark.response.state.ResponseState;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The respond function's {@link ResponseState} in S3, next to the triage function's incident store and with the
 * same technique: S3 conditional writes (docs/respond.md, "State"). Every operation that must be atomic against
 * concurrent invocations is one conditional PUT:
 * <ul>
 *   <li>idempotency claim: {@code PREFIX/claims/<hash of key>.json} created with {@code If-None-Match: *}; a 412
 *       means another delivery claimed it first (its status is read back);</li>
 *   <li>rate-limit counters: {@code PREFIX/limits/<key>.json} (the times taken in the window), compare-and-swap with
 *       {@code If-Match: <ETag>}, retried on a lost race. Several limits are taken one after another; when a later
 *       one is full the earlier ones are given back (a concurrent reader may briefly see one more action counted,
 *       never one fewer: the limit errs on the safe side);</li>
 *   <li>approvals: {@code PREFIX/approvals/<id>.json}, created with {@code If-None-Match: *}, decided once with
 *       {@code If-Match};</li>
 *   <li>audit: one object per record, {@code PREFIX/audit/<time>-<random>.json}, created with
 *       {@code If-None-Match: *}: never rewritten;</li>
 *   <li>kill switch: {@code PREFIX/kill-switch.json} ({@code {"engaged": true, "reason": …}}).</li>
 * </ul>
 * S3 (since 2024) honours both conditions. S3Proxy 2.6.0 ignores {@code If-None-Match}, so the local stack does not
 * use this class: it runs the response module's {@code FileResponseState} (file locks) instead.
 */
public final class S3ResponseState implements ResponseState {
    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final int attempts;
    private static final java.time.format.DateTimeFormatter AUDIT_TIME =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);

    public S3ResponseState(S3Client s3, String bucket, String prefix) {
        this.s3 = s3;
        this.bucket = bucket;
        String p = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
        this.prefix = p.isEmpty() ? "" : p + "/";
        this.attempts = 20;
    }

    public String bucket() {
        return bucket;
    }

    public String prefix() {
        return prefix;
    }

    /** A claim: who got it and what came of it. */
    public record Claim(String key, String status, String claimedAt) {}

    /** Times taken (ISO-8601) in a limit's window. */
    public record Counter(String key, List<String> taken) {}

    /** The kill switch. */
    public record KillSwitch(boolean engaged, String reason, String at) {}

    String claimKey(String key) {
        return prefix + "claims/" + StableId.of("respond-claim", key) + ".json";
    }

    @Override
    public Optional<String> claim(String key, Instant now) {
        String k = claimKey(key);
        if (createIfAbsent(k, Json.line(new Claim(key, "CLAIMED", now.toString())))) return Optional.empty();
        return Optional.of(read(k).map(s -> Json.parse(s.text(), Claim.class).status()).orElse("CLAIMED"));
    }

    @Override
    public void complete(String key, String status) {
        String k = claimKey(key);
        update(k, Claim.class, c -> new Claim(key, status, c == null ? Instant.now().toString() : c.claimedAt()));
    }

    @Override
    public void release(String key) {
        s3.deleteObject(DeleteObjectRequest.builder().bucket(bucket).key(claimKey(key)).build());
    }

    String limitKey(String key) {
        return prefix + "limits/" + safe(key) + ".json";
    }

    @Override
    public Optional<Limit> tryAcquire(List<Limit> limits, Instant now) {
        List<Limit> taken = new ArrayList<>();
        String stamp = now.toString() + "#" + UUID.randomUUID();
        for (Limit l : limits) {
            Instant from = now.minus(l.window());
            boolean[] full = {false};
            update(limitKey(l.key()), Counter.class, c -> {
                List<String> keep = new ArrayList<>();
                if (c != null) {
                    for (String t : c.taken()) {
                        if (Instant.parse(t.substring(0, t.indexOf('#') < 0 ? t.length() : t.indexOf('#'))).isAfter(from)) keep.add(t);
                    }
                }
                if (keep.size() >= l.count()) {
                    full[0] = true;
                    return c;
                }
                full[0] = false;
                keep.add(stamp);
                return new Counter(l.key(), keep);
            });
            if (full[0]) {
                for (Limit t : taken) {
                    update(limitKey(t.key()), Counter.class, c -> c == null ? null
                            : new Counter(c.key(), c.taken().stream().filter(x -> !x.equals(stamp)).toList()));
                }
                return Optional.of(l);
            }
            taken.add(l);
        }
        return Optional.empty();
    }

    @Override
    public boolean killSwitchEngaged() {
        return read(prefix + "kill-switch.json").map(s -> Json.parse(s.text(), KillSwitch.class).engaged()).orElse(false);
    }

    @Override
    public void setKillSwitch(boolean engaged, String reason) {
        update(prefix + "kill-switch.json", KillSwitch.class, k -> new KillSwitch(engaged, reason, Instant.now().toString()));
    }

    String approvalKey(String id) {
        return prefix + "approvals/" + safe(id) + ".json";
    }

    @Override
    public void putApproval(PendingApproval approval) {
        createIfAbsent(approvalKey(approval.id()), Json.line(approval));
    }

    @Override
    public Optional<PendingApproval> approval(String id) {
        return read(approvalKey(id)).map(s -> Json.parse(s.text(), PendingApproval.class));
    }

    @Override
    public List<PendingApproval> pendingApprovals() {
        List<PendingApproval> out = new ArrayList<>();
        for (S3Object o : list(prefix + "approvals/")) {
            read(o.key()).map(s -> Json.parse(s.text(), PendingApproval.class)).filter(PendingApproval::pending).ifPresent(out::add);
        }
        return out;
    }

    @Override
    public Optional<PendingApproval> decide(String id, String decision, String by, Instant at) {
        PendingApproval[] decided = {null};
        update(approvalKey(id), PendingApproval.class, a -> {
            decided[0] = null;
            if (a == null || !a.pending()) return a;
            decided[0] = a.decided(decision, by, at.toString());
            return decided[0];
        });
        return Optional.ofNullable(decided[0]);
    }

    @Override
    public void audit(AuditRecord record) {
        String at;
        try {
            at = AUDIT_TIME.format(Instant.parse(record.time()));
        } catch (RuntimeException e) {
            at = AUDIT_TIME.format(Instant.now());
        }
        // fixed-width time first: the listing's key order is the time order
        String key = prefix + "audit/" + at + "-" + UUID.randomUUID() + ".json";
        if (!createIfAbsent(key, Json.line(record))) {
            throw new IllegalStateException("audit object " + key + " exists: refusing to overwrite it");
        }
    }

    @Override
    public List<AuditRecord> auditLog() {
        List<S3Object> objects = new ArrayList<>(list(prefix + "audit/"));
        objects.sort(Comparator.comparing(S3Object::key));
        List<AuditRecord> out = new ArrayList<>(objects.size());
        for (S3Object o : objects) read(o.key()).ifPresent(s -> out.add(Json.parse(s.text(), AuditRecord.class)));
        return out;
    }

    // ---- S3 plumbing

    record Stored(byte[] body, String etag) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private List<S3Object> list(String p) {
        List<S3Object> out = new ArrayList<>();
        s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket).prefix(p).build()).contents().forEach(out::add);
        return out;
    }

    private Optional<Stored> read(String key) {
        try {
            ResponseBytes<GetObjectResponse> r = s3.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(key).build());
            return Optional.of(new Stored(r.asByteArray(), r.response().eTag()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) return Optional.empty();
            throw new IllegalStateException("GET s3://" + bucket + "/" + key + " failed: HTTP " + e.statusCode(), e);
        }
    }

    /** True when this call created the object; false when it existed (412, or 409 for a concurrent conditional write). */
    private boolean createIfAbsent(String key, String body) {
        try {
            s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key).contentType("application/json").ifNoneMatch("*").build(),
                    RequestBody.fromString(body, StandardCharsets.UTF_8));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) return false;
            throw new IllegalStateException("PUT s3://" + bucket + "/" + key + " failed: HTTP " + e.statusCode(), e);
        }
    }

    /** Compare-and-swap of a JSON object; {@code change} may run more than once; returning the input writes nothing. */
    private <T> T update(String key, Class<T> type, UnaryOperator<T> change) {
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Optional<Stored> cur = read(key);
            T before = cur.map(s -> Json.parse(s.text(), type)).orElse(null);
            T after = change.apply(before);
            if (after == null || after == before) return before;
            PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(bucket).key(key).contentType("application/json");
            put = cur.isPresent() ? put.ifMatch(cur.get().etag()) : put.ifNoneMatch("*");
            try {
                s3.putObject(put.build(), RequestBody.fromString(Json.line(after), StandardCharsets.UTF_8));
                return after;
            } catch (S3Exception e) {
                if (e.statusCode() != 412 && e.statusCode() != 409) {
                    throw new IllegalStateException("PUT s3://" + bucket + "/" + key + " failed: HTTP " + e.statusCode(), e);
                }
            }
            try {
                Thread.sleep(ThreadLocalRandom.current().nextLong(1, Math.min(200, 5L << Math.min(attempt, 6)) + 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while updating s3://" + bucket + "/" + key);
            }
        }
        throw new IllegalStateException("s3://" + bucket + "/" + key + " kept changing under " + attempts + " attempts to update it");
    }

    static String safe(String s) {
        String out = s.replaceAll("[^A-Za-z0-9._-]", "_");
        return out.length() > 128 ? out.substring(0, 100) + "-" + StableId.of("respond-key", s) : out;
    }

}
