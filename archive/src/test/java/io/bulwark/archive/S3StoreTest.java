package io.bulwark.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archive through a real S3Proxy (the local stack's S3), requests recorded on the wire. */
@Tag("servers")
class S3StoreTest {
    @TempDir
    Path tmp;
    LocalS3 s3;
    S3Store store;
    LocalKeySigner signer;
    Spool spool;

    @BeforeEach
    void start() throws Exception {
        s3 = new LocalS3(tmp.resolve("archive"));
        store = new S3Store(s3.client, LocalS3.BUCKET, new S3Store.Lock(30, true));
        signer = LocalKeySigner.open(tmp.resolve("keys/archive-ed25519.key"));
        spool = Spool.typical(tmp.resolve("evidence"), "5e0e0000-0000-8000-8000-0000000000aa", "2026-12-07T02:00:00.000Z").write();
    }

    @AfterEach
    void stop() throws Exception {
        s3.close();
    }

    @Test
    void everyPutCarriesIfNoneMatchChecksumAndObjectLockHeaders() throws Exception {
        Instant before = Instant.now();
        Ingest.Result r = Ingest.upload(store, spool.dir, signer, "bulwark ship on node-a", null);
        var puts = s3.tee.requests().stream().filter(q -> q.method().equals("PUT")).toList();
        // 8 artifacts, the public key, the manifest, the index line
        assertEquals(11, puts.size(), "PUTs: " + puts.stream().map(TeeProxy.Request::path).toList());
        for (TeeProxy.Request q : puts) {
            String key = q.path().substring(("/" + LocalS3.BUCKET + "/").length());
            byte[] stored = Files.readAllBytes(s3.bucketDir().resolve(java.net.URLDecoder.decode(key, java.nio.charset.StandardCharsets.UTF_8)));
            assertEquals("*", q.headers().get("if-none-match"), key);
            assertEquals(Hashes.base64OfHex(Hashes.hex(stored)), q.headers().get("x-amz-checksum-sha256"), key);
            assertEquals("COMPLIANCE", q.headers().get("x-amz-object-lock-mode"), key);
            assertEquals("ON", q.headers().get("x-amz-object-lock-legal-hold"), key);
            Instant until = Instant.parse(q.headers().get("x-amz-object-lock-retain-until-date"));
            assertTrue(!until.isBefore(before.plus(java.time.Duration.ofDays(30)).minusSeconds(1))
                    && until.isBefore(Instant.now().plus(java.time.Duration.ofDays(30)).plusSeconds(1)), "retain-until " + until);
        }
        // the manifest goes last of the incident's objects
        assertTrue(puts.get(puts.size() - 2).path().endsWith("/manifest.json"), puts.get(puts.size() - 2).path());
        // S3Proxy's filesystem backend keeps each object's bytes as the plain file BUCKET/KEY: the local store reads them
        LocalStore local = new LocalStore(s3.bucketDir());
        assertArrayEquals(Files.readAllBytes(spool.dir.resolve("changed-files.tar.gz")), local.read(r.prefix() + "changed-files.tar.gz"));
        assertEquals(List.of(), new Verifier(local, Set.of(signer.keyId()), null).verify(r.prefix()).problems());
        assertEquals(List.of(), new Verifier(store, Set.of(signer.keyId()), null).verify(r.prefix()).problems());
    }

    @Test
    void aSecondUploadWritesNothingAndADifferentOneIsRefused() throws Exception {
        Ingest.Result first = Ingest.upload(store, spool.dir, signer, "w", null);
        int requests = s3.tee.requests().size();
        Ingest.Result again = Ingest.upload(store, spool.dir, signer, "w", null);
        assertEquals(Ingest.Outcome.ALREADY_ARCHIVED, again.outcome());
        assertFalse(s3.tee.requests().subList(requests, s3.tee.requests().size()).stream().anyMatch(q -> q.method().equals("PUT")),
                "a second run PUT something");
        // the object store itself answers 412 to a second write of a key
        String key = first.prefix() + "timeline.jsonl";
        assertEquals(Store.Put.ALREADY_THERE, store.put(key, Files.readAllBytes(spool.dir.resolve("timeline.jsonl")), "x"));
        Store.ConflictException e = assertThrows(Store.ConflictException.class, () -> store.put(key, "forged\n".getBytes(), "x"));
        assertTrue(e.getMessage().contains(key), e.getMessage());
        assertArrayEquals(Files.readAllBytes(spool.dir.resolve("timeline.jsonl")), store.read(key));
    }

    @Test
    void theLocalStoresWritesAreServedByS3Proxy() throws Exception {
        LocalStore local = new LocalStore(s3.bucketDir());
        Ingest.Result r = Ingest.upload(local, spool.dir, signer, "w", null);
        assertEquals(List.of(), new Verifier(store, Set.of(), null).verify(r.prefix()).problems());
        assertEquals(Incidents.locate(local, spool.id), Incidents.locate(store, spool.id.substring(0, 8)));
    }

    @Test
    void evidenceOverTheThresholdGoesUpInPartsEachWithItsChecksumAndStillVerifies() throws Exception {
        // a small threshold stands in for the 5 GiB single-PUT limit: 12 MiB + 3 bytes in 5 MiB parts = 3 parts
        store.multipart(new S3Store.Multipart(6L << 20, 5L << 20, 2));
        byte[] data = new byte[(12 << 20) + 3];
        new java.util.Random(7).nextBytes(data);
        spool = Spool.typical(tmp.resolve("evidence2"), "5e0e0000-0000-8000-8000-0000000000bb", "2026-12-07T02:00:00.000Z")
                .add("changed-files.tar.gz", data, "application/gzip").write();
        Path big = spool.dir.resolve("changed-files.tar.gz");
        Ingest.Result r = Ingest.upload(store, spool.dir, signer, "w", null);
        String key = r.prefix() + "changed-files.tar.gz";
        String path = "/" + LocalS3.BUCKET + "/" + key;
        var reqs = s3.tee.requests().stream().filter(q -> q.path().startsWith(path)).toList();
        for (long end = System.nanoTime() + 5_000_000_000L; reqs.stream().noneMatch(q -> q.path().contains("uploadId=") && q.method().equals("POST"))
                && System.nanoTime() < end; Thread.sleep(50)) {
            reqs = s3.tee.requests().stream().filter(q -> q.path().startsWith(path)).toList(); // the relay's copy may trail the reply
        }
        var create = reqs.stream().filter(q -> q.method().equals("POST") && q.path().contains("?uploads")).toList();
        assertEquals(1, create.size(), "CreateMultipartUpload: " + reqs);
        assertEquals("SHA256", create.get(0).headers().get("x-amz-checksum-algorithm"));
        assertEquals("COMPLIANCE", create.get(0).headers().get("x-amz-object-lock-mode"));
        assertEquals("ON", create.get(0).headers().get("x-amz-object-lock-legal-hold"));
        assertEquals(Hashes.hex(data), create.get(0).headers().get("x-amz-meta-sha256"));
        var parts = reqs.stream().filter(q -> q.method().equals("PUT") && q.path().contains("partNumber=")).toList();
        assertEquals(3, parts.size(), "UploadPart: " + reqs);
        for (TeeProxy.Request q : parts) {
            int n = Integer.parseInt(q.path().replaceAll(".*partNumber=(\\d+).*", "$1"));
            int from = (n - 1) * (5 << 20);
            byte[] part = java.util.Arrays.copyOfRange(data, from, Math.min(data.length, from + (5 << 20)));
            assertEquals(Hashes.base64OfHex(Hashes.hex(part)), q.headers().get("x-amz-checksum-sha256"), "part " + n + "'s own SHA-256");
        }
        var complete = reqs.stream().filter(q -> q.method().equals("POST") && q.path().contains("uploadId=")).toList();
        assertEquals(1, complete.size(), "CompleteMultipartUpload: " + reqs);
        assertEquals("*", complete.get(0).headers().get("if-none-match"));
        assertFalse(reqs.stream().anyMatch(q -> q.method().equals("PUT") && !q.path().contains("partNumber=")), "no single PutObject of the big file");
        // the object is the file, the manifest's hash is the file's, and verify recomputes it from S3's bytes
        assertArrayEquals(data, store.read(key));
        assertEquals(Hashes.hex(data), Incidents.load(store, r.prefix()).artifact("changed-files.tar.gz").sha256());
        assertEquals(List.of(), new Verifier(store, Set.of(signer.keyId()), null).verify(r.prefix()).problems());
        // written once: the same bytes again are already there, other bytes are refused, nothing is overwritten
        assertEquals(Store.Put.ALREADY_THERE, store.put(key, big, Hashes.hex(data), "application/gzip"));
        Path other = tmp.resolve("other.bin");
        byte[] o = data.clone();
        o[9 << 20] ^= 1;
        Files.write(other, o);
        assertThrows(Store.ConflictException.class, () -> store.put(key, other, Hashes.hex(o), "application/gzip"));
        assertArrayEquals(data, store.read(key));
    }
}
