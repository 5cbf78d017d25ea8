package io.bulwark.functions.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.archive.LocalKeySigner;
import io.bulwark.archive.LocalStore;
import io.bulwark.archive.Verifier;
import io.bulwark.contract.Json;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;

/** The service without Lambda: the local mode (no EC2, no cluster) and EBS idempotency by tag. */
@Tag("servers")
class SnapshotServiceTest {
    @TempDir
    Path dir;

    static final String EVENT = """
            {"version":"0","id":"e1","detail-type":"Bulwark Incident","source":"bulwark.triage","time":"2026-12-07T02:00:02Z",
             "detail":{"id":"%s","first_seen":"2026-12-07T02:00:00Z","node":{"hostname":"node-a","instance_id":"i-0123"},
                       "k8s":{"namespace":"shop","pod":"web-7d9f"}}}
            """;

    @Test
    void withoutAwsOrAClusterEachPartRecordsNotConfiguredAndTheIncidentVerifies() throws Exception {
        LocalStore store = new LocalStore(dir.resolve("archive"));
        LocalKeySigner signer = LocalKeySigner.open(dir.resolve("keys/k.key"));
        SnapshotService s = new SnapshotService(store, signer, null, "no EC2 in the local stack", null, "no kubeconfig", "bulwark-snapshot on test",
                Duration.ZERO, Clock.systemUTC());
        SnapshotService.Result r = s.handle(String.format(EVENT, "inc-local-1").getBytes(StandardCharsets.UTF_8));
        assertEquals("archived", r.outcome());
        assertEquals("incidents/2026/12/07/inc-local-1/manifest.json", r.part());
        JsonNode part = Json.mapper().readTree(store.read(r.part()));
        for (String step : List.of("ebs", "pod", "events")) {
            assertEquals("not configured", part.path("snapshot").path(step).path("status").asText(), part.toString());
        }
        assertEquals("no kubeconfig", part.path("snapshot").path("pod").path("reason").asText());
        assertEquals(0, part.path("artifacts").size());
        assertEquals(List.of(), new Verifier(store, Set.of(signer.keyId()), null).verify(r.prefix()).problems());
        assertEquals("already archived", s.handle(String.format(EVENT, "inc-local-1").getBytes(StandardCharsets.UTF_8)).outcome());
    }

    @Test
    void thePrefixTriageGivesIsWhereThePartGoes() throws Exception {
        LocalStore store = new LocalStore(dir.resolve("archive"));
        SnapshotService s = new SnapshotService(store, LocalKeySigner.open(dir.resolve("keys/k.key")), null, "x", null, "x", "t", Duration.ZERO,
                Clock.systemUTC());
        // an alert older than the first one arrived later: first_seen moved, the evidence stays where it was filed
        String e = String.format(EVENT, "inc-local-3").replace("\"first_seen\"", "\"evidence\":{\"prefix\":\"incidents/2026/12/08/inc-local-3/\"},"
                + "\"first_seen\"");
        assertEquals("incidents/2026/12/08/inc-local-3/manifest.json", s.handle(e.getBytes(StandardCharsets.UTF_8)).part());
    }

    @Test
    void whenTheNodeCapturedEvidenceThePartWaitsForItsPartOneAndKeepsWhatItFetched() throws Exception {
        LocalStore store = new LocalStore(dir.resolve("archive"));
        LocalKeySigner signer = LocalKeySigner.open(dir.resolve("keys/k.key"));
        String id = "0d0d0d0d-0000-8000-8000-00000000000d";
        String prefix = "incidents/2026/12/07/" + id + "/";
        // triage's incident: the sensor froze the container (so it captured evidence first)
        String event = String.format(EVENT, id).replace("\"first_seen\"", "\"actions\":[{\"time\":\"2026-12-07T02:00:00Z\",\"action\":\"frozen\","
                + "\"by\":\"sensor:node-a\",\"alert_id\":\"a1\"}],\"first_seen\"");
        try (Ec2QueryStandIn ec2 = new Ec2QueryStandIn()) {
            ec2.addInstance("i-0123", new Ec2QueryStandIn.Volume("/dev/xvda", "vol-1"));
            SnapshotService s = new SnapshotService(store, signer, client(ec2), null, null, "no kubeconfig", "t", Duration.ZERO, Clock.systemUTC());
            var pending = assertThrows(SnapshotService.NodeEvidencePendingException.class, () -> s.handle(event.getBytes(StandardCharsets.UTF_8)));
            assertTrue(pending.getMessage().contains("not archived yet"), pending.getMessage());
            byte[] first = store.read(prefix + SnapshotService.EBS_ARTIFACT);
            assertTrue(Files.notExists(store.path(prefix + "manifest.json")), "no part 1 of its own");
            // the node's evidence arrives (the shipper's upload: no conflict with what the snapshot stored)
            io.bulwark.archive.Ingest.upload(store, io.bulwark.archive.Spool.typical(dir.resolve("spool"), id, "2026-12-07T02:00:00.000Z").write().dir,
                    signer, "bulwark ship on node-a", null);
            // the retry: no second CreateSnapshots, the first bytes listed in part 2
            SnapshotService.Result r = s.handle(event.getBytes(StandardCharsets.UTF_8));
            assertEquals(prefix + "manifest.d/0002.json", r.part());
            assertEquals(Step.ALREADY_REQUESTED, r.steps().get("ebs").status());
            assertEquals(1, ec2.requests("CreateSnapshots").size());
            assertTrue(java.util.Arrays.equals(first, store.read(prefix + SnapshotService.EBS_ARTIFACT)));
            assertEquals(List.of(), new Verifier(store, Set.of(signer.keyId()), null).verify(prefix).problems());
        }
    }

    @Test
    void anObjectLeftByAnInterruptedAttemptIsKeptAndListedNotOverwritten() throws Exception {
        LocalStore store = new LocalStore(dir.resolve("archive"));
        LocalKeySigner signer = LocalKeySigner.open(dir.resolve("keys/k.key"));
        String prefix = "incidents/2026/12/07/inc-local-2/";
        byte[] first = "{\"from\":\"the first attempt\"}\n".getBytes(StandardCharsets.UTF_8);
        store.put(prefix + SnapshotService.EBS_ARTIFACT, first, "application/json");
        try (Ec2QueryStandIn ec2 = new Ec2QueryStandIn()) {
            ec2.addInstance("i-0123", new Ec2QueryStandIn.Volume("/dev/xvda", "vol-1"));
            SnapshotService s = new SnapshotService(store, signer, client(ec2), null, null, "no kubeconfig", "t", Duration.ZERO, Clock.systemUTC());
            SnapshotService.Result r = s.handle(String.format(EVENT, "inc-local-2").getBytes(StandardCharsets.UTF_8));
            assertEquals("requested", r.steps().get("ebs").status());
            assertTrue(java.util.Arrays.equals(first, store.read(prefix + SnapshotService.EBS_ARTIFACT)), "the first bytes stay");
            JsonNode part = Json.mapper().readTree(store.read(r.part()));
            assertEquals("[\"ebs/snapshots.json\"]", part.path("snapshot").path("adopted").toString());
            assertEquals(List.of(), new Verifier(store, Set.of(), null).verify(prefix).problems());
        }
    }

    @Test
    void snapshotsAlreadyTaggedWithTheIncidentAreNotRequestedAgain() throws Exception {
        try (Ec2QueryStandIn ec2 = new Ec2QueryStandIn(); Ec2Client c = client(ec2)) {
            ec2.addInstance("i-0123", new Ec2QueryStandIn.Volume("/dev/xvda", "vol-1"), new Ec2QueryStandIn.Volume("/dev/xvdb", "vol-2"));
            EbsSnapshots ebs = new EbsSnapshots(c);
            EbsSnapshots.Result first = ebs.snapshot("inc-9", "i-0123", "node-a");
            EbsSnapshots.Result second = ebs.snapshot("inc-9", "i-0123", "node-a");
            assertEquals(Step.REQUESTED, first.status());
            assertEquals(Step.ALREADY_REQUESTED, second.status());
            assertEquals(first.record().path("snapshots").findValuesAsText("snapshot_id"), second.record().path("snapshots").findValuesAsText("snapshot_id"));
            assertEquals(1, ec2.requests("CreateSnapshots").size());
            // another incident on the same node gets its own snapshots
            assertEquals(Step.REQUESTED, ebs.snapshot("inc-10", "i-0123", "node-a").status());
            assertEquals(2, ec2.requests("CreateSnapshots").size());
            // an unknown instance is EC2's error, named
            var e = assertThrows(RuntimeException.class, () -> ebs.snapshot("inc-11", "i-gone", "node-b"));
            assertTrue(e.getMessage().contains("InvalidInstanceID.NotFound") || e.getMessage().contains("i-gone"), e.getMessage());
        }
    }

    @Test
    void badEventsAreRefusedNamingTheField() {
        LocalStore store = new LocalStore(dir.resolve("archive"));
        SnapshotService s = new SnapshotService(store, null, null, "x", null, "x", "t", Duration.ZERO, Clock.systemUTC());
        assertTrue(assertThrows(IncidentRef.BadEventException.class, () -> s.handle("{\"detail\":{}}".getBytes(StandardCharsets.UTF_8)))
                .getMessage().startsWith("detail.id"));
        assertTrue(assertThrows(IncidentRef.BadEventException.class, () -> s.handle("{\"source\":\"bulwark.sensor\",\"detail\":{\"id\":\"a\"}}"
                .getBytes(StandardCharsets.UTF_8))).getMessage().contains("bulwark.triage"));
        assertTrue(assertThrows(IncidentRef.BadEventException.class, () -> s.handle("{\"detail\":{\"id\":\"a/../b\",\"first_seen\":\"x\"}}"
                .getBytes(StandardCharsets.UTF_8))).getMessage().contains("bad incident id"));
        assertTrue(assertThrows(IncidentRef.BadEventException.class, () -> s.handle("{\"detail\":{\"id\":\"a\",\"first_seen\":\"yesterday\"}}"
                .getBytes(StandardCharsets.UTF_8))).getMessage().contains("not an ISO-8601"));
        assertTrue(assertThrows(IncidentRef.BadEventException.class, () -> s.handle("{\n\"detail\":\n{oops".getBytes(StandardCharsets.UTF_8)))
                .getMessage().startsWith("event:3: not JSON"));
        assertTrue(assertThrows(IncidentRef.BadEventException.class, () -> s.handle(("{\"detail\":{\"id\":\"a\",\"first_seen\":"
                + "\"2026-12-07T02:00:00Z\",\"evidence\":{\"prefix\":\"keys/\"}}}").getBytes(StandardCharsets.UTF_8))).getMessage()
                .startsWith("detail.evidence.prefix"));
        assertTrue(Files.notExists(dir.resolve("archive/incidents")));
    }

    static Ec2Client client(Ec2QueryStandIn ec2) {
        // the real SDK against the stand-in (EC2 has no emulator here), endpoint overridden
        return Ec2Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .endpointOverride(URI.create(ec2.endpoint())).build();
    }
}
