package io.bulwark.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IntegrityTest {
    @TempDir
    Path tmp;
    LocalStore store;
    LocalKeySigner signer;
    Spool spool;
    String prefix;

    @BeforeEach
    void archiveOne() throws Exception {
        store = new LocalStore(tmp.resolve("archive/bulwark-archive"));
        signer = LocalKeySigner.open(tmp.resolve("keys/archive-ed25519.key"));
        spool = Spool.typical(tmp.resolve("evidence"), "7f1c2a9e-0000-8000-8000-000000000001", "2026-12-07T02:00:00.000Z").write();
        Ingest.Result r = Ingest.upload(store, spool.dir, signer, "bulwark ship on node-a", null);
        assertEquals(Ingest.Outcome.ARCHIVED, r.outcome());
        prefix = r.prefix();
    }

    private List<Verifier.Problem> verify() throws Exception {
        return new Verifier(store, Set.of(), null).verify(prefix).problems();
    }

    private static void assertNames(List<Verifier.Problem> problems, String object, String reason) {
        assertFalse(problems.isEmpty(), "verify passed; expected a problem with " + object);
        assertTrue(problems.stream().anyMatch(p -> p.object().endsWith(object) && p.reason().contains(reason)),
                "expected '" + object + ": …" + reason + "…' among " + problems);
    }

    @Test
    void keyFileIsPrivateAndPublicKeyIsPublished() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("keys/archive-ed25519.key"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("keys"))));
        String pub = Files.readString(store.root().resolve("keys/" + signer.keyId() + ".pub"));
        assertTrue(pub.startsWith("-----BEGIN PUBLIC KEY-----"), pub);
        assertEquals(signer.keyId(), LocalKeySigner.open(tmp.resolve("keys/archive-ed25519.key")).keyId(), "the key is reused, not regenerated");
    }

    @Test
    void layoutIsByFirstAlertDateAndObjectsArePlainFiles() throws Exception {
        assertEquals("incidents/2026/12/07/" + spool.id + "/", prefix);
        assertTrue(Files.isRegularFile(store.root().resolve(prefix + "changed-files.tar.gz")));
        assertTrue(Files.isRegularFile(store.root().resolve(prefix + "proc/4720/facts.json")));
        assertTrue(Files.isRegularFile(store.root().resolve("index/incidents/dt=2026-12-07/" + spool.id + ".jsonl")));
        var m = Json.mapper().readTree(store.read(prefix + "manifest.json"));
        assertEquals(8, m.path("artifacts").size());
        var a = m.path("artifacts").get(0);
        for (String f : List.of("name", "size", "sha256", "producer", "captured_at", "content_type", "written_by", "written_at")) {
            assertTrue(a.hasNonNull(f), "artifact lacks " + f + ": " + a);
        }
        assertEquals(2, m.path("custody").size());
        assertEquals("bulwark-sensor (pid 812, uid 0) on node-a", m.path("custody").get(0).path("who").asText());
        assertEquals("bulwark-node-evidence/1", m.path("node_format").asText());
        assertEquals("Ed25519", m.path("signature").path("alg").asText());
    }

    @Test
    void verifyPassesOnAnUntouchedIncident() throws Exception {
        Verifier.Result r = new Verifier(store, Set.of(signer.keyId()), null).verify(prefix);
        assertEquals(List.of(), r.problems());
        assertEquals(8, r.objects());
        assertEquals(List.of(signer.keyId()), r.keyIds());
    }

    @Test
    void uploadingAgainChangesNothing() throws Exception {
        var before = store.list("");
        Ingest.Result again = Ingest.upload(store, spool.dir, signer, "bulwark ship on node-a", null);
        assertEquals(Ingest.Outcome.ALREADY_ARCHIVED, again.outcome());
        assertEquals(0, again.objectsWritten());
        assertEquals(before, store.list(""));
    }

    @Test
    void aDifferingReuploadIsRefusedAndNothingIsOverwritten() throws Exception {
        byte[] original = store.read(prefix + "timeline.jsonl");
        Path other = tmp.resolve("evidence2");
        Spool changed = Spool.typical(other, spool.id, spool.time);
        changed.add("timeline.jsonl", "{\"forged\":true}\n", "application/x-ndjson").write();
        Store.ConflictException e = assertThrows(Store.ConflictException.class,
                () -> Ingest.upload(store, changed.dir, signer, "bulwark ship on node-a", null));
        assertTrue(e.getMessage().contains("timeline.jsonl"), e.getMessage());
        assertEquals(new String(original, StandardCharsets.UTF_8), new String(store.read(prefix + "timeline.jsonl"), StandardCharsets.UTF_8));
        // the object itself refuses a different write too
        assertThrows(Store.ConflictException.class, () -> store.put(prefix + "timeline.jsonl", "x".getBytes(), "text/plain"));
    }

    @Test
    void evidenceChangedOnTheNodeAfterCaptureIsNotArchived() throws Exception {
        Spool s = Spool.typical(tmp.resolve("evidence3"), "7f1c2a9e-0000-8000-8000-000000000002", spool.time).write();
        Files.writeString(s.dir.resolve("timeline.jsonl"), "edited\n");
        Ingest.SpoolException e = assertThrows(Ingest.SpoolException.class, () -> Ingest.upload(store, s.dir, signer, "w", null));
        assertTrue(e.getMessage().contains("timeline.jsonl") && e.getMessage().contains("changed on the node"), e.getMessage());
    }

    @Test
    void oneChangedByteInAnEvidenceFileFailsNamingIt() throws Exception {
        Path f = store.root().resolve(prefix + "changed-files.tar.gz");
        f.toFile().setWritable(true);
        byte[] b = Files.readAllBytes(f);
        b[1234] ^= 1;
        Files.write(f, b);
        assertNames(verify(), prefix + "changed-files.tar.gz", "SHA-256");
    }

    @Test
    void aChangedManifestFailsTheSignature() throws Exception {
        Path f = store.root().resolve(prefix + "manifest.json");
        f.toFile().setWritable(true);
        Files.writeString(f, Files.readString(f).replace("node-sensor", "node-sensoR"));
        assertNames(verify(), prefix + "manifest.json", "bad signature");
    }

    @Test
    void aRemovedObjectFailsNamingIt() throws Exception {
        Files.delete(store.root().resolve(prefix + "proc/4720/facts.json"));
        assertNames(verify(), prefix + "proc/4720/facts.json", "missing");
    }

    @Test
    void anExtraObjectFailsNamingIt() throws Exception {
        Files.writeString(store.root().resolve(prefix + "planted.sh"), "#!/bin/sh\n");
        assertNames(verify(), prefix + "planted.sh", "extra object");
    }

    @Test
    void aForgedSignatureFails() throws Exception {
        Path f = store.root().resolve(prefix + "manifest.json");
        ObjectNode m = (ObjectNode) Json.mapper().readTree(f.toFile());
        byte[] sig = java.util.Base64.getDecoder().decode(m.path("signature").path("value").asText());
        sig[0] ^= 0x55;
        ((ObjectNode) m.get("signature")).put("value", java.util.Base64.getEncoder().encodeToString(sig));
        f.toFile().setWritable(true);
        Files.writeString(f, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(m));
        assertNames(verify(), prefix + "manifest.json", "bad signature");
    }

    @Test
    void aManifestResignedWithAnotherKeyIsNotTrusted() throws Exception {
        LocalKeySigner mallory = LocalKeySigner.open(tmp.resolve("mallory/k.key"));
        Path f = store.root().resolve(prefix + "manifest.json");
        ObjectNode m = (ObjectNode) Json.mapper().readTree(f.toFile());
        ((ObjectNode) m.path("artifacts").get(1)).put("sha256", "0".repeat(64));
        f.toFile().setWritable(true);
        Files.delete(f);
        Files.write(f, Manifest.sign(m, mallory));
        Incidents.publishKey(store, mallory);
        var problems = new Verifier(store, Set.of(signer.keyId()), null).verify(prefix).problems();
        assertNames(problems, prefix + "manifest.json", "not one of the trusted keys");
    }

    @Test
    void additionsAreChainedPartsAndAccessesAreNewObjects() throws Exception {
        var inc = Incidents.load(store, prefix);
        String key = Incidents.append(store, inc, "snapshot", "bulwark snapshot function", "added the pod spec",
                List.of(new Incidents.NewObject("k8s/pod.json", "{\"kind\":\"Pod\"}".getBytes(), "application/json", null)), signer);
        assertEquals(prefix + "manifest.d/0002.json", key);
        var part2 = Json.mapper().readTree(store.read(key));
        assertEquals(Hashes.hex(store.read(prefix + "manifest.json")), part2.path("previous_sha256").asText());
        Incidents.recordAccess(store, prefix, spool.id, "verify", "test");
        assertEquals(List.of(), verify());
        // dropping the second part's predecessor link breaks the chain
        Path p2 = store.root().resolve(key);
        ObjectNode m = (ObjectNode) Json.mapper().readTree(p2.toFile());
        m.put("previous_sha256", "1".repeat(64));
        p2.toFile().setWritable(true);
        Files.delete(p2);
        Files.write(p2, Manifest.sign(m, signer));
        assertNames(verify(), key, "chain broken");
    }

    @Test
    void nodeEvidenceArrivingAfterAnotherProducerOpenedTheIncidentBecomesAChainedPart() throws Exception {
        // the snapshot function archived the pod spec first (an incident opened by a NOTICE alert); the node's
        // capture for a later CRITICAL alert of the same incident must still be archived, not refused as a conflict
        String id = "7f1c2a9e-0000-8000-8000-000000000002";
        String p = Incidents.prefix(id, java.time.Instant.parse("2026-12-07T02:00:00.000Z"));
        byte[] pod = "{\"kind\":\"Pod\"}".getBytes(StandardCharsets.UTF_8);
        store.put(p + "k8s/pod.json", pod, "application/json");
        ObjectNode first = Manifest.part(1, id, p, "bulwark-snapshot", null, Json.mapper().createObjectNode(),
                List.of(new Manifest.Artifact("k8s/pod.json", pod.length, Hashes.hex(pod), "bulwark-snapshot", "2026-12-07T02:00:01Z",
                        "application/json", "snapshot", "2026-12-07T02:00:01Z")),
                List.of(new Manifest.Custody("bulwark-snapshot", "wrote 1 object", "2026-12-07T02:00:01Z")));
        store.put(Manifest.partKey(p, 1), Manifest.sign(first, signer), "application/json");
        Spool late = Spool.typical(tmp.resolve("evidence2"), id, "2026-12-07T02:00:00.000Z").write();
        Ingest.Result r = Ingest.upload(store, late.dir, signer, "bulwark ship on node-a", null);
        assertEquals(Ingest.Outcome.ARCHIVED, r.outcome());
        assertTrue(store.exists(p + "manifest.d/0002.json"), "the node's part");
        assertTrue(store.exists(p + "node/alert.json"), "the node's artifacts under node/");
        assertEquals(Ingest.Outcome.ALREADY_ARCHIVED, Ingest.upload(store, late.dir, signer, "w", null).outcome());
        assertEquals(List.of(), new Verifier(store, Set.of(), null).verify(p).problems());
    }

    @Test
    void nodeEvidenceRacingTheSnapshotFunctionForPartOneIsListedByAChainedPart() throws Exception {
        // the snapshot function writes part 1 after the node's upload checked for it and before its manifest.json:
        // the node's objects (already at their names) are listed by part 2, nothing is an unlisted extra object
        String id = "7f1c2a9e-0000-8000-8000-000000000003";
        String p = Incidents.prefix(id, java.time.Instant.parse("2026-12-07T02:00:00.000Z"));
        byte[] pod = "{\"kind\":\"Pod\"}".getBytes(StandardCharsets.UTF_8);
        ObjectNode first = Manifest.part(1, id, p, "bulwark-snapshot", null, Json.mapper().createObjectNode(),
                List.of(new Manifest.Artifact("k8s/pod.json", pod.length, Hashes.hex(pod), "bulwark-snapshot", "2026-12-07T02:00:01Z",
                        "application/json", "snapshot", "2026-12-07T02:00:01Z")),
                List.of(new Manifest.Custody("bulwark-snapshot", "wrote 1 object", "2026-12-07T02:00:01Z")));
        byte[] snapshotPart = Manifest.sign(first, signer);
        Store racing = new Store() {
            boolean raced;

            @Override
            public Put put(String key, Path file, String sha256, String contentType) throws java.io.IOException {
                return store.put(key, file, sha256, contentType);
            }

            @Override
            public Put put(String key, byte[] data, String contentType) throws java.io.IOException {
                if (key.equals(p + "manifest.json") && !raced) {
                    raced = true;
                    store.put(p + "k8s/pod.json", pod, "application/json");
                    store.put(key, snapshotPart, "application/json");
                }
                return store.put(key, data, contentType);
            }

            @Override
            public java.io.InputStream open(String key) throws java.io.IOException {
                return store.open(key);
            }

            @Override
            public boolean exists(String key) {
                return store.exists(key);
            }

            @Override
            public List<Entry> list(String prefix) throws java.io.IOException {
                return store.list(prefix);
            }

            @Override
            public String describe(String key) {
                return store.describe(key);
            }
        };
        Spool late = Spool.typical(tmp.resolve("evidence3"), id, "2026-12-07T02:00:00.000Z").write();
        Ingest.Result r = Ingest.upload(racing, late.dir, signer, "bulwark ship on node-a", null);
        assertEquals(Ingest.Outcome.ARCHIVED, r.outcome());
        Incidents.Incident inc = Incidents.load(store, p);
        assertEquals("bulwark-snapshot", inc.parts().get(0).json().path("producer").asText());
        assertEquals("node", inc.parts().get(1).json().path("producer").asText());
        assertTrue(inc.artifact("alert.json") != null, "the node's objects listed at their names");
        assertEquals(List.of(), new Verifier(store, Set.of(), null).verify(p).problems());
        assertEquals(Ingest.Outcome.ALREADY_ARCHIVED, Ingest.upload(store, late.dir, signer, "w", null).outcome(), "a rerun writes nothing");
        assertEquals(2, Incidents.load(store, p).parts().size());
    }

    @Test
    void aLaterCaptureBecomesAChainedPartOnce() throws Exception {
        Spool cap = spool.capture(2);
        cap.add("host/processes-since-attempt.json", "[{\"pid\":5000,\"comm\":\"sh\"}]", "application/json").write();
        Ingest.Result r = Ingest.uploadCapture(store, cap.dir, signer, "bulwark ship on node-a");
        assertEquals(Ingest.Outcome.ARCHIVED, r.outcome());
        assertTrue(store.exists(prefix + "manifest.d/0002.json"));
        assertTrue(store.exists(prefix + "capture-2/host/processes-since-attempt.json"));
        assertEquals(Ingest.Outcome.ALREADY_ARCHIVED, Ingest.uploadCapture(store, cap.dir, signer, "w").outcome());
        assertEquals(List.of(), verify());
    }

    @Test
    void aMissingPartIsNoticed() throws Exception {
        var inc = Incidents.load(store, prefix);
        Incidents.append(store, inc, "a", "w", "one", List.of(new Incidents.NewObject("a.txt", "a".getBytes(), "text/plain", null)), signer);
        inc = Incidents.load(store, prefix);
        Incidents.append(store, inc, "b", "w", "two", List.of(new Incidents.NewObject("b.txt", "b".getBytes(), "text/plain", null)), signer);
        Files.delete(store.root().resolve(prefix + "manifest.d/0002.json"));
        var problems = verify();
        assertNames(problems, prefix + "manifest.d/0003.json", "part 2 is missing");
        assertNames(problems, prefix + "a.txt", "extra object");
    }
}
