package io.bulwark.functions.respond.act.k8s;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Evidence is recorded when the incident's signed manifest is in the archive:
 * {@code incidents/yyyy/mm/dd/<incident>/manifest.json} (date of the first alert, UTC; the day before and after are
 * tried too, for an incident whose first_seen is not known exactly), in S3 or in a local directory (the local
 * stack's S3Proxy store {@code var/archive/<bucket>}, or the node's spool {@code var/evidence/<incident>/}).
 */
public final class ArchiveEvidenceCheck {
    private ArchiveEvidenceCheck() {}

    static List<String> keys(String incident, String firstSeen) {
        Instant t;
        try {
            t = firstSeen == null ? Instant.now() : Instant.parse(firstSeen);
        } catch (RuntimeException e) {
            t = Instant.now();
        }
        DateTimeFormatter f = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);
        List<String> out = new ArrayList<>();
        for (int day : new int[] {0, -1, 1}) out.add("incidents/" + f.format(t.plusSeconds(86400L * day)) + "/" + incident + "/manifest.json");
        return out;
    }

    /** In the archive bucket. */
    public static EvidenceCheck s3(S3Client s3, String bucket) {
        return (incident, firstSeen) -> {
            for (String k : keys(incident, firstSeen)) {
                try {
                    s3.headObject(HeadObjectRequest.builder().bucket(bucket).key(k).build());
                    return Optional.of("s3://" + bucket + "/" + k);
                } catch (NoSuchKeyException e) {
                    // next
                } catch (S3Exception e) {
                    if (e.statusCode() != 404) throw e;
                }
            }
            return Optional.empty();
        };
    }

    /** In directories: an archive root ({@code <root>/incidents/…/manifest.json}) or a spool ({@code <root>/<incident>/manifest.json}). */
    public static EvidenceCheck directories(List<Path> roots) {
        return (incident, firstSeen) -> {
            for (Path root : roots) {
                Path spool = root.resolve(incident).resolve("manifest.json");
                if (Files.isRegularFile(spool)) return Optional.of(spool.toString());
                for (String k : keys(incident, firstSeen)) {
                    Path p = root.resolve(k);
                    if (Files.isRegularFile(p)) return Optional.of(p.toString());
                }
            }
            return Optional.empty();
        };
    }
}
