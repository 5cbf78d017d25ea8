package io.bulwark.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bulwark.contract.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `bulwark archive` against a local store, as a responder uses it. */
class ArchiveCliTest {
    @TempDir
    Path tmp;
    Path dir;
    Spool a;
    Spool b;
    String out;
    String err;

    @BeforeEach
    void archive() throws Exception {
        dir = tmp.resolve("var/archive/bulwark-archive");
        LocalStore store = new LocalStore(dir);
        LocalKeySigner signer = LocalKeySigner.open(tmp.resolve("var/keys/archive-ed25519.key"));
        a = Spool.typical(tmp.resolve("evidence"), "7f1c2a9e-0000-8000-8000-000000000001", "2026-12-07T02:00:00.000Z").write();
        b = Spool.typical(tmp.resolve("evidence"), "3b9d0c11-0000-8000-8000-000000000002", "2026-12-05T10:00:00.000Z").write();
        Ingest.upload(store, a.dir, signer, "bulwark ship on node-a", null);
        Ingest.upload(store, b.dir, signer, "bulwark ship on node-a", null);
    }

    private int run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        String[] full = new String[args.length + 2];
        System.arraycopy(args, 0, full, 0, args.length);
        full[args.length] = "--store";
        full[args.length + 1] = dir.toString();
        int rc = ArchiveCommand.run(full, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        return rc;
    }

    @Test
    void listShowsIncidentsWithoutNodeEvidence() throws Exception {
        LocalStore store = new LocalStore(dir);
        LocalKeySigner signer = LocalKeySigner.open(tmp.resolve("var/keys/archive-ed25519.key"));
        // opened by the snapshot function: part 1 is its, no node evidence, no index line (as SnapshotService writes it)
        String snap = "5a5a5a5a-0000-8000-8000-000000000003";
        String p = Incidents.prefix(snap, java.time.Instant.parse("2026-12-06T08:00:00Z"));
        byte[] pod = "{\"kind\":\"Pod\"}\n".getBytes(StandardCharsets.UTF_8);
        store.put(p + "k8s/pod.json", pod, "application/json");
        com.fasterxml.jackson.databind.node.ObjectNode facts = Json.mapper().createObjectNode();
        facts.putObject("node").put("hostname", "node-b").putNull("instance_id");
        facts.putObject("k8s").put("namespace", "shop").put("pod", "cart-5c");
        facts.put("first_seen", "2026-12-06T08:00:00Z");
        Incidents.publishKey(store, signer);
        store.put(Manifest.partKey(p, 1), Manifest.sign(Manifest.part(1, snap, p, "bulwark-snapshot", null, facts,
                List.of(new Manifest.Artifact("k8s/pod.json", pod.length, Hashes.hex(pod), "bulwark-snapshot", "2026-12-06T08:00:01Z", "application/json", "w",
                        "2026-12-06T08:00:01Z")), List.of(new Manifest.Custody("w", "snapshot", "2026-12-06T08:00:01Z"))), signer), "application/json");
        // a host incident triage filed (state/incidents/ID.json): nothing was captured, nothing archived
        String host = "40540540-0000-8000-8000-000000000004";
        Files.createDirectories(dir.resolve("state/incidents"));
        Files.writeString(dir.resolve("state/incidents/" + host + ".json"), "{\"id\":\"" + host + "\",\"status\":\"open\",\"first_seen\":\"2026-12-06T09:30:00Z\","
                + "\"node\":{\"hostname\":\"node-c\"},\"count\":2,\"vectors\":[\"kernel-module-load\"],\"priority\":\"CRITICAL\","
                + "\"severity\":{\"score\":8.4,\"label\":\"High\",\"how\":[]},\"rules\":[\"Kernel module loaded\"]}");
        // triage's record of an incident whose node evidence is archived: listed once, from the archive
        Files.writeString(dir.resolve("state/incidents/" + a.id + ".json"), "{\"id\":\"" + a.id + "\",\"status\":\"contained\",\"first_seen\":\"2026-12-07T02:00:00Z\"}");

        assertEquals(0, run("list", "--json"), err);
        JsonNode arr = Json.mapper().readTree(out);
        assertEquals(4, arr.size(), out);
        java.util.Map<String, JsonNode> byId = new java.util.HashMap<>();
        arr.forEach(n -> byId.put(n.path("id").asText(), n));
        assertEquals("node", byId.get(a.id).path("evidence").asText());
        JsonNode s = byId.get(snap);
        assertEquals("snapshot", s.path("evidence").asText());
        assertEquals("2026-12-06T08:00:00Z", s.path("time").asText());
        assertEquals("cart-5c", s.path("k8s").path("pod").asText());
        assertEquals("node-b", s.path("node").asText());
        assertEquals(p, s.path("prefix").asText());
        JsonNode h = byId.get(host);
        assertEquals("none", h.path("evidence").asText());
        assertEquals("kernel-module-load", h.path("vector").asText());
        assertEquals("CRITICAL", h.path("priority").asText());
        assertEquals(8.4, h.path("severity").asDouble());
        assertEquals("node-c", h.path("node").asText());
        assertEquals(List.of(a.id, host, snap, b.id), List.of(arr.get(0).path("id").asText(), arr.get(1).path("id").asText(),
                arr.get(2).path("id").asText(), arr.get(3).path("id").asText()), "newest first across the three sources");
        // filters apply to them too
        assertEquals(0, run("list", "--json", "--pod", "cart-5c"));
        assertEquals(1, Json.mapper().readTree(out).size());
        assertEquals(0, run("list", "--json", "--vector", "kernel-module-load"));
        assertEquals(host, Json.mapper().readTree(out).get(0).path("id").asText());
        assertEquals(0, run("list", "--json", "--state-prefix", ""));
        assertEquals(3, Json.mapper().readTree(out).size(), "--state-prefix '' skips triage's records");
        assertEquals(0, run("list"));
        assertTrue(out.contains("EVIDENCE") && out.contains(" snapshot ") && out.contains(" none ") && out.contains("4 incidents"), out);
        assertEquals(0, run("show", snap.substring(0, 8)), err);
        assertEquals(0, run("verify", snap.substring(0, 8)), out + err);
    }

    @Test
    void listJsonHasTheFieldsAResponderFiltersOn() throws Exception {
        assertEquals(0, run("list", "--json"), err);
        JsonNode arr = Json.mapper().readTree(out);
        assertEquals(2, arr.size());
        JsonNode first = arr.get(0);
        assertEquals(a.id, first.path("id").asText(), "newest first");
        assertEquals("2026-12-07T02:00:00Z", first.path("time").asText());
        assertEquals("ns-enter-host", first.path("vector").asText());
        assertEquals("CRITICAL", first.path("priority").asText());
        assertEquals(8.0, first.path("severity").asDouble());
        assertEquals("c0ffee0123456789", first.path("container").path("id").asText());
        assertEquals("registry.example/shop/web:1.4", first.path("container").path("image").asText());
        assertEquals("shop", first.path("k8s").path("namespace").asText());
        assertEquals("web-7d9f", first.path("k8s").path("pod").asText());
        assertEquals("node-a", first.path("node").asText());
        assertEquals(0, run("list", "--json", "--since", "2026-12-06"));
        assertEquals(1, Json.mapper().readTree(out).size());
        assertEquals(0, run("list", "--json", "--namespace", "other"));
        assertEquals(0, Json.mapper().readTree(out).size());
        assertEquals(0, run("list", "--vector", "ns-enter-host", "--pod", "web-7d9f", "--image", "shop/web"));
        assertTrue(out.contains("7f1c2a9e") && out.contains("3b9d0c11") && out.contains("2 incidents"), out);
        assertEquals(2, run("list", "--since", "yesterday"));
        assertTrue(err.contains("--since 'yesterday'"), err);
    }

    @Test
    void showJsonHasArtifactsWithHashesAndTheRootCause() throws Exception {
        assertEquals(0, run("show", "7f1c2a9e", "--json"), err);
        JsonNode s = Json.mapper().readTree(out);
        assertEquals(a.id, s.path("id").asText());
        JsonNode tar = null;
        for (JsonNode x : s.path("artifacts")) {
            assertTrue(x.has("name") && x.has("size") && x.has("sha256"), x.toString());
            if (x.path("name").asText().equals("changed-files.tar.gz")) {
                tar = x;
            }
        }
        assertEquals(Hashes.file(a.dir.resolve("changed-files.tar.gz")), tar.path("sha256").asText());
        assertEquals(200_000, tar.path("size").asLong());
        assertEquals(4, s.path("timeline").size());
        assertEquals(4720, s.path("process_tree").path("offender").asInt());
        assertTrue(s.path("root_cause").toString().contains("containerd.sock"), s.path("root_cause").toString());
        assertEquals(0, run("show", "7f1c2a9e"));
        assertTrue(out.contains("Was the container privileged?") && out.contains("yes"), out);
        assertTrue(out.contains("4720 nsenter /usr/bin/nsenter") && out.contains("<== offender"), out);
        assertTrue(out.contains("!! ALERT CRITICAL Namespace Entry Into Host"), out);
        assertTrue(out.contains("node: frozen"), out);
        // every show is recorded as a new object, and verify accepts access records
        assertEquals(2, new LocalStore(dir).list(Incidents.locate(new LocalStore(dir), a.id) + "access/").size());
        assertEquals(2, run("show", "nope"));
        assertTrue(err.contains("no incident 'nope'"), err);
    }

    @Test
    void getChecksTheHashWhileStreamingAndRefusesAChangedObject() throws Exception {
        Path o = tmp.resolve("out.tar.gz");
        assertEquals(0, run("get", a.id, "changed-files.tar.gz", "-o", o.toString()), err);
        assertArrayEquals(Files.readAllBytes(a.dir.resolve("changed-files.tar.gz")), Files.readAllBytes(o));
        assertTrue(err.contains("matches the manifest"), err);
        assertEquals(0, run("get", a.id, "timeline.jsonl"));
        assertEquals(Files.readString(a.dir.resolve("timeline.jsonl")), out);
        Path f = dir.resolve(Incidents.locate(new LocalStore(dir), a.id) + "changed-files.tar.gz");
        f.toFile().setWritable(true);
        byte[] bytes = Files.readAllBytes(f);
        bytes[10] ^= 1;
        Files.write(f, bytes);
        Path o2 = tmp.resolve("out2.tar.gz");
        assertEquals(1, run("get", a.id, "changed-files.tar.gz", "-o", o2.toString()));
        assertTrue(err.contains("the object was changed; nothing written"), err);
        assertFalse(Files.exists(o2));
        assertEquals(2, run("get", a.id, "nothing.bin"));
        assertTrue(err.contains("has no artifact 'nothing.bin'"), err);
    }

    @Test
    void verifyPassesThenFailsNamingTheObjectAfterTampering() throws Exception {
        assertEquals(0, run("verify", a.id), out + err);
        assertTrue(out.contains("OK: every hash"), out);
        String prefix = Incidents.locate(new LocalStore(dir), a.id);
        Path f = dir.resolve(prefix + "process-tree.json");
        f.toFile().setWritable(true);
        Files.writeString(f, Files.readString(f).replace("4720", "4721"));
        assertEquals(1, run("verify", a.id));
        assertTrue(out.contains("FAILED " + f + ": SHA-256 is"), out);
        // the other incident is untouched
        assertEquals(0, run("verify", b.id.substring(0, 8)));
    }

    @Test
    void reportIsWrittenAndStoredAsASignedAddition() throws Exception {
        Path html = tmp.resolve("report.html");
        assertEquals(0, run("report", a.id, "-o", html.toString()), err);
        String page = Files.readString(html);
        for (String id : List.of("summary", "timeline", "process-tree", "root-cause", "actions", "artifacts")) {
            assertTrue(page.contains("id=\"" + id + "\""), id);
        }
        assertFalse(page.contains("<script"), "no script");
        assertFalse(page.matches("(?s).*(src|href)=\"https?:.*"), "no external fetch");
        String prefix = Incidents.locate(new LocalStore(dir), a.id);
        assertArrayEquals(Files.readAllBytes(html), Files.readAllBytes(dir.resolve(prefix + "report.html")));
        assertTrue(Files.exists(dir.resolve(prefix + "manifest.d/0002.json")));
        assertEquals(0, run("verify", a.id), out);
        assertEquals(0, run("report", a.id, "-o", html.toString()));
        assertTrue(out.contains("report-") && out.contains("manifest.d/0003.json"), out);
    }

    @Test
    void helpTeachesWithExamples() {
        assertEquals(0, run("--help"));
        assertTrue(out.contains("Examples:") && out.contains("bulwark archive verify"), out);
        assertEquals(0, run("verify", "--help"));
        assertTrue(out.contains("Exit 0 when everything matches, 1"), out);
    }
}
