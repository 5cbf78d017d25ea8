package io.bulwark.delivery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.archive.Incidents;
import io.bulwark.archive.LocalKeySigner;
import io.bulwark.archive.LocalS3;
import io.bulwark.archive.LocalStore;
import io.bulwark.archive.S3Store;
import io.bulwark.archive.Spool;
import io.bulwark.archive.TeeProxy;
import io.bulwark.archive.Verifier;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipper's evidence upload end to end: a spool directory, a real S3Proxy, the files it keeps. */
@Tag("servers")
class EvidenceUploaderTest {
    @TempDir
    Path tmp;
    LocalS3 s3;
    LocalKeySigner signer;
    Path spool;
    ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    @BeforeEach
    void start() throws Exception {
        s3 = new LocalS3(tmp.resolve("archive"));
        signer = LocalKeySigner.open(tmp.resolve("keys/archive-ed25519.key"));
        spool = tmp.resolve("evidence");
    }

    @AfterEach
    void stop() throws Exception {
        s3.close();
    }

    private EvidenceUploader uploader() {
        return new EvidenceUploader(spool, new S3Store(s3.client, LocalS3.BUCKET, new S3Store.Lock(7, true)), signer, "bulwark ship on node-a",
                log, 50, 1, 5);
    }

    private String log() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void archivesFinishedIncidentsSignsThemAndMarksThemDone() throws Exception {
        Spool a = Spool.typical(spool, "a1a1a1a1-0000-8000-8000-000000000001", "2026-12-07T02:00:00.000Z").write();
        Spool b = Spool.typical(spool, "b2b2b2b2-0000-8000-8000-000000000002", "2026-12-06T23:59:59.000Z").write();
        // a capture still being written: artifacts but no manifest yet
        Files.createDirectories(spool.resolve("c3c3c3c3-unfinished"));
        Files.writeString(spool.resolve("c3c3c3c3-unfinished/timeline.jsonl"), "{}\n");
        EvidenceUploader up = uploader();
        assertEquals(2, up.scanOnce().size(), log());
        LocalStore local = new LocalStore(s3.bucketDir());
        for (Spool s : List.of(a, b)) {
            String prefix = Incidents.locate(local, s.id);
            assertEquals(Incidents.prefix(s.id, java.time.Instant.parse(s.time)), prefix);
            assertArrayEquals(Files.readAllBytes(s.dir.resolve("changed-files.tar.gz")), local.read(prefix + "changed-files.tar.gz"));
            assertEquals(List.of(), new Verifier(local, Set.of(signer.keyId()), null).verify(prefix).problems());
            assertTrue(Files.exists(up.marker(s.id)));
            assertTrue(Files.exists(s.dir.resolve("changed-files.tar.gz")), "evidence is not deleted from the spool");
        }
        assertTrue(Files.exists(s3.bucketDir().resolve("index/incidents/dt=2026-12-06/" + b.id + ".jsonl")));
        assertFalse(Files.exists(up.marker("c3c3c3c3-unfinished")));
        // the artifacts went before the manifest, for each incident
        List<String> puts = s3.tee.requests().stream().filter(q -> q.method().equals("PUT")).map(TeeProxy.Request::path).toList();
        for (Spool s : List.of(a, b)) {
            int manifest = puts.indexOf(puts.stream().filter(p -> p.endsWith(s.id + "/manifest.json")).findFirst().orElseThrow());
            int lastArtifact = 0;
            for (int i = 0; i < puts.size(); i++) {
                if (puts.get(i).contains(s.id + "/") && !puts.get(i).endsWith("manifest.json")) {
                    lastArtifact = i;
                }
            }
            assertTrue(lastArtifact < manifest, puts.toString());
        }
        assertTrue(s3.tee.requests().stream().filter(q -> q.method().equals("PUT")).allMatch(q -> "ON".equals(q.headers().get("x-amz-object-lock-legal-hold"))
                && "COMPLIANCE".equals(q.headers().get("x-amz-object-lock-mode")) && "*".equals(q.headers().get("if-none-match"))
                && q.headers().containsKey("x-amz-checksum-sha256")));
        // a second pass has nothing to do
        assertEquals(0, up.scanOnce().size());
    }

    @Test
    void aLaterCaptureOfAnArchivedIncidentIsAddedAsANewPart() throws Exception {
        Spool a = Spool.typical(spool, "a7a7a7a7-0000-8000-8000-000000000007", "2026-12-07T02:00:00.000Z").write();
        EvidenceUploader up = uploader();
        up.scanOnce();
        a.capture(2).add("net/connections.json", "[]", "application/json").write();
        var r = up.scanOnce();
        assertEquals(1, r.size(), log());
        LocalStore local = new LocalStore(s3.bucketDir());
        String prefix = Incidents.locate(local, a.id);
        assertTrue(local.exists(prefix + "manifest.d/0002.json"));
        assertTrue(Files.exists(up.marker(a.id + ".capture-2")));
        assertEquals(0, up.scanOnce().size());
        assertEquals(List.of(), new Verifier(local, Set.of(signer.keyId()), null).verify(prefix).problems());
    }

    @Test
    void aRestartAfterACrashFinishesWithoutRewriting() throws Exception {
        Spool a = Spool.typical(spool, "d4d4d4d4-0000-8000-8000-000000000004", "2026-12-07T02:00:00.000Z").write();
        uploader().scanOnce();
        // the crash: the marker never got written
        Files.delete(uploader().marker(a.id));
        int before = s3.tee.requests().size();
        var again = uploader().scanOnce();
        assertEquals(1, again.size());
        assertEquals(io.bulwark.archive.Ingest.Outcome.ALREADY_ARCHIVED, again.get(0).outcome());
        assertFalse(s3.tee.requests().subList(before, s3.tee.requests().size()).stream().anyMatch(q -> q.method().equals("PUT")));
        assertTrue(Files.exists(uploader().marker(a.id)));
    }

    @Test
    void aDifferingReuploadIsAnAlarmAndNothingIsOverwritten() throws Exception {
        Spool a = Spool.typical(spool, "e5e5e5e5-0000-8000-8000-000000000005", "2026-12-07T02:00:00.000Z").write();
        EvidenceUploader up = uploader();
        up.scanOnce();
        LocalStore local = new LocalStore(s3.bucketDir());
        String prefix = Incidents.locate(local, a.id);
        byte[] archived = local.read(prefix + "timeline.jsonl");
        // the same incident id comes back with different evidence (a replayed or forged spool)
        Files.delete(up.marker(a.id));
        Spool forged = Spool.typical(spool, a.id, a.time);
        forged.add("timeline.jsonl", "{\"nothing\":\"happened\"}\n", "application/x-ndjson").write();
        assertEquals(0, up.scanOnce().size());
        assertEquals(1, up.conflicts());
        assertTrue(log().contains("ALARM: evidence conflict, nothing overwritten") && log().contains("timeline.jsonl"), log());
        assertArrayEquals(archived, local.read(prefix + "timeline.jsonl"));
        assertFalse(Files.exists(up.marker(a.id)));
        assertEquals(List.of(), new Verifier(local, Set.of(signer.keyId()), null).verify(prefix).problems());
        // it keeps alarming on retries (backoff 1-5 ms here)
        Thread.sleep(10);
        up.scanOnce();
        assertEquals(2, up.conflicts());
    }

    @Test
    void anUnreachableArchiveIsRetriedUntilItAnswers() throws Exception {
        Spool a = Spool.typical(spool, "f6f6f6f6-0000-8000-8000-000000000006", "2026-12-07T02:00:00.000Z").write();
        var client = io.bulwark.archive.Aws.s3("us-east-1", java.net.URI.create("http://127.0.0.1:9"), true);
        EvidenceUploader down = new EvidenceUploader(spool, new S3Store(client, LocalS3.BUCKET, S3Store.Lock.NONE), signer, "w", log, 50, 1, 5);
        assertEquals(0, down.scanOnce().size());
        assertTrue(log().contains("upload failed") && log().contains("attempt 1"), log());
        assertFalse(Files.exists(down.marker(a.id)));
        assertEquals(1, uploader().scanOnce().size());
    }
}
