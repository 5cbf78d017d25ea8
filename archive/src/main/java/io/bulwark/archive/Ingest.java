package io.bulwark.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Archives one incident directory of the node's evidence spool (DIR/ID/…, manifest.json written last
 * by the sensor): checks every listed file against the node manifest's size and SHA-256, writes the
 * artifacts, publishes the signing key, then the signed manifest.json (part 1), then the incident's
 * index line. Idempotent: run again after a crash or on a finished incident it writes nothing new
 * and answers {@link Outcome#ALREADY_ARCHIVED}; an archived incident whose objects differ raises
 * {@link Store.ConflictException} and nothing is overwritten.
 */
public final class Ingest {
    /** The spool directory is incomplete or inconsistent; names the file and the reason. */
    public static final class SpoolException extends IOException {
        public SpoolException(String message) {
            super(message);
        }
    }

    public enum Outcome { ARCHIVED, ALREADY_ARCHIVED }

    public record Result(Outcome outcome, String incident, String prefix, String manifestSha256, int objectsWritten, int objectsAlreadyThere,
            long bytes) {}

    private Ingest() {}

    /** The node manifest of a spool directory, parsed and checked (not the artifacts' bytes). */
    public static ObjectNode readSpoolManifest(Path dir) throws IOException {
        Path mf = dir.resolve("manifest.json");
        if (!Files.isRegularFile(mf)) {
            throw new SpoolException(mf + ": missing (the capture is not finished)");
        }
        JsonNode n;
        try {
            n = Json.mapper().readTree(Files.readAllBytes(mf));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SpoolException(mf + ":" + (e.getLocation() == null ? 1 : e.getLocation().getLineNr()) + ": not JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new SpoolException(mf + ":1: not a JSON object");
        }
        if (!n.path("incident").isTextual() || n.path("incident").asText().isBlank()) {
            throw new SpoolException(mf + ": no 'incident' id");
        }
        if (!n.path("artifacts").isArray()) {
            throw new SpoolException(mf + ": no 'artifacts' array");
        }
        for (JsonNode a : n.path("artifacts")) {
            String name = a.path("name").asText("");
            if (name.isEmpty() || name.startsWith("/") || name.contains("..") || name.contains("\\") || name.equals("manifest.json")
                    || name.startsWith("manifest.d/") || name.startsWith("access/") || name.equals("report.html")) {
                throw new SpoolException(mf + ": bad artifact name '" + name + "'");
            }
            if (!a.path("sha256").asText("").matches("[0-9a-f]{64}") || !a.path("size").canConvertToLong()) {
                throw new SpoolException(mf + ": artifact '" + name + "' has no size or hex sha256");
            }
        }
        return (ObjectNode) n;
    }

    /** The first alert's time (UTC date of the layout), else capture_started. */
    public static Instant firstAlert(JsonNode m) {
        Instant best = null;
        for (JsonNode a : m.path("alerts")) {
            JsonNode d = a.has("detail") ? a.get("detail") : a;
            try {
                Instant t = Instant.parse(d.path("time").asText());
                if (best == null || t.isBefore(best)) {
                    best = t;
                }
            } catch (RuntimeException ignored) {
                // no time
            }
        }
        if (best == null) {
            try {
                best = Instant.parse(m.path("capture_started").asText());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("manifest of incident " + m.path("incident").asText() + " has neither alert times nor capture_started");
            }
        }
        return best;
    }

    public static Result upload(Store store, Path dir, Signer signer, String writer, java.io.PrintStream progress) throws IOException {
        ObjectNode spool = readSpoolManifest(dir);
        String id = spool.path("incident").asText();
        Instant first;
        try {
            first = firstAlert(spool);
        } catch (IllegalArgumentException e) {
            throw new SpoolException(dir.resolve("manifest.json") + ": " + e.getMessage());
        }
        String prefix = Incidents.prefix(id, first);
        List<Manifest.Artifact> listed = Manifest.artifacts(spool);
        Map<String, Path> files = new LinkedHashMap<>();
        Path root = dir.toAbsolutePath().normalize();
        for (Manifest.Artifact a : listed) {
            Path f = root.resolve(a.name()).normalize();
            if (!f.startsWith(root) || !Files.isRegularFile(f)) {
                throw new SpoolException(f + ": listed in " + dir.resolve("manifest.json") + " but missing");
            }
            files.put(a.name(), f);
        }
        if (store.exists(prefix + "manifest.json")) {
            JsonNode stored = readJson(store, prefix + "manifest.json");
            if (stored != null && !NODE.equals(stored.path("producer").asText(NODE))) {
                // another producer (the snapshot function, for an incident whose first alerts were not the node's to
                // capture) opened the incident before this capture: the node's evidence becomes a chained part under
                // PREFIX/node/, never a competing first manifest, and is not lost as a conflict
                Result r = uploadCapture(store, dir, signer, writer, NODE);
                writeIndex(store, id, first, r.prefix(), spool, r.manifestSha256(), json(dir.resolve("alert.json")), json(dir.resolve("container.json")));
                return r;
            }
            return already(store, prefix, id, listed);
        }
        // the artifacts, checked against the node's manifest as they are written
        int created = 0;
        int there = 0;
        long bytes = 0;
        String now = Instant.now().toString();
        List<Manifest.Artifact> arts = new ArrayList<>();
        for (Manifest.Artifact a : listed) {
            Path f = files.get(a.name());
            long size = Files.size(f);
            String sha = Hashes.file(f);
            if (!sha.equals(a.sha256()) || size != a.size()) {
                throw new SpoolException(f + ": SHA-256 " + sha + " / " + size + " bytes, the node's manifest says " + a.sha256() + " / " + a.size()
                        + " bytes: the evidence changed on the node after capture; not archived");
            }
            if (progress != null && size > (64L << 20)) {
                progress.printf("archive: %s %s (%d MiB)%n", id, a.name(), size >> 20);
            }
            Store.Put put = store.put(prefix + a.name(), f, sha, a.contentType());
            if (put == Store.Put.CREATED) {
                created++;
            } else {
                there++;
            }
            bytes += size;
            arts.add(new Manifest.Artifact(a.name(), size, sha, a.producer(), a.capturedAt(), a.contentType(), writer, now));
        }
        Incidents.publishKey(store, signer);
        String capturedBy = capturedBy(spool);
        List<Manifest.Custody> custody = List.of(
                new Manifest.Custody(capturedBy, "captured " + listed.size() + " artifacts", spool.path("capture_finished").asText(first.toString())),
                new Manifest.Custody(writer, "wrote " + listed.size() + " artifacts to " + prefix + " and signed this manifest (key " + signer.keyId() + ")", now));
        ObjectNode facts = spool.deepCopy();
        facts.put("written_by", writer);
        ObjectNode part = Manifest.part(1, id, prefix, NODE, null, facts, arts, custody);
        byte[] signed = Manifest.sign(part, signer);
        Store.Put mput;
        try {
            mput = store.put(prefix + "manifest.json", signed, "application/json");
        } catch (Store.ConflictException e) {
            JsonNode opened = readJson(store, prefix + "manifest.json");
            if (opened == null || NODE.equals(opened.path("producer").asText(NODE))) {
                throw e;
            }
            // another producer (the snapshot function) opened the incident between our check and our write: the
            // node's objects, already written at their names, are listed by a part chained to its part 1
            ObjectNode nodeFacts = spool.deepCopy();
            nodeFacts.remove("incident");
            nodeFacts.put("written_by", writer);
            Incidents.Appended a = Incidents.appendPart(store, prefix, signer, (inc, n, previous) -> {
                for (Manifest.Artifact x : arts) {
                    if (inc != null && inc.artifact(x.name()) != null) {
                        throw new Store.ConflictException(store.describe(prefix + x.name()) + " is already listed by another part", x.name());
                    }
                }
                return Manifest.part(n, id, prefix, NODE, previous, nodeFacts, arts, custody);
            });
            writeIndex(store, id, first, prefix, spool, a.sha256(), json(dir.resolve("alert.json")), json(dir.resolve("container.json")));
            return new Result(Outcome.ARCHIVED, id, prefix, a.sha256(), created, there, bytes);
        }
        Result r;
        if (mput == Store.Put.ALREADY_THERE) {
            r = new Result(Outcome.ALREADY_ARCHIVED, id, prefix, Hashes.hex(signed), created, there, bytes);
        } else {
            r = new Result(Outcome.ARCHIVED, id, prefix, Hashes.hex(signed), created, there, bytes);
        }
        writeIndex(store, id, first, prefix, part, Hashes.hex(signed), json(dir.resolve("alert.json")), json(dir.resolve("container.json")));
        return r;
    }

    /** Who captured: the node manifest's captured_by ({producer, pid, uid, host} or a string), else the node's name. */
    static String capturedBy(JsonNode spool) {
        JsonNode c = spool.path("captured_by");
        if (c.isTextual() && !c.asText().isBlank()) {
            return c.asText();
        }
        if (c.isObject()) {
            return c.path("producer").asText("bulwark sensor") + " (pid " + c.path("pid").asText("?") + ", uid " + c.path("uid").asText("?") + ") on "
                    + c.path("host").asText(spool.path("node").path("hostname").asText("unknown node"));
        }
        JsonNode node = spool.path("node");
        return "bulwark sensor on " + (node.isTextual() ? node.asText() : node.path("hostname").asText("unknown node"));
    }

    static JsonNode json(Path f) {
        try {
            return Files.isRegularFile(f) ? Incidents.parse(Files.readAllBytes(f)) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * A later capture of an archived incident (the sensor's DIR/ID/capture-N/, its own manifest.json last):
     * its artifacts go to PREFIX/capture-N/NAME and a new signed part manifest.d/NNNN.json (producer capture-N)
     * chained to the last one. Idempotent like {@link #upload}.
     */
    public static Result uploadCapture(Store store, Path captureDir, Signer signer, String writer) throws IOException {
        return uploadCapture(store, captureDir, signer, writer, captureDir.getFileName().toString());
    }

    /** The producer of the first part when the node's capture opened the incident. */
    static final String NODE = "node";

    private static Result uploadCapture(Store store, Path captureDir, Signer signer, String writer, String label) throws IOException {
        ObjectNode spool = readSpoolManifest(captureDir);
        String id = spool.path("incident").asText();
        String prefix = Incidents.locate(store, id);
        Incidents.Incident inc = Incidents.load(store, prefix);
        List<Manifest.Artifact> listed = Manifest.artifacts(spool);
        for (Incidents.Part p : inc.parts()) {
            if (p.json() != null && label.equals(p.json().path("producer").asText())) {
                Map<String, String> there = new LinkedHashMap<>();
                Manifest.artifacts(p.json()).forEach(a -> there.put(a.name(), a.sha256()));
                for (Manifest.Artifact a : listed) {
                    // under label/ as this method writes them, or at their own names (a node capture that raced the
                    // snapshot function for part 1, see upload)
                    String have = there.containsKey(label + "/" + a.name()) ? there.get(label + "/" + a.name()) : there.get(a.name());
                    if (!a.sha256().equals(have)) {
                        throw new Store.ConflictException(store.describe(p.key()) + " lists ", label + "/" + a.name(), String.valueOf(have), a.sha256());
                    }
                }
                return new Result(Outcome.ALREADY_ARCHIVED, id, prefix, p.sha256(), 0, listed.size(), 0);
            }
        }
        String now = Instant.now().toString();
        List<Manifest.Artifact> arts = new ArrayList<>();
        int created = 0;
        long bytes = 0;
        for (Manifest.Artifact a : listed) {
            Path f = captureDir.toAbsolutePath().normalize().resolve(a.name()).normalize();
            if (!f.startsWith(captureDir.toAbsolutePath().normalize()) || !Files.isRegularFile(f)) {
                throw new SpoolException(f + ": listed in " + captureDir.resolve("manifest.json") + " but missing");
            }
            String sha = Hashes.file(f);
            long size = Files.size(f);
            if (!sha.equals(a.sha256()) || size != a.size()) {
                throw new SpoolException(f + ": SHA-256 " + sha + " / " + size + " bytes, the node's manifest says " + a.sha256() + " / " + a.size()
                        + " bytes: the evidence changed on the node after capture; not archived");
            }
            if (store.put(prefix + label + "/" + a.name(), f, sha, a.contentType()) == Store.Put.CREATED) {
                created++;
            }
            bytes += size;
            arts.add(new Manifest.Artifact(label + "/" + a.name(), size, sha, a.producer(), a.capturedAt(), a.contentType(), writer, now));
        }
        Incidents.publishKey(store, signer);
        ObjectNode facts = spool.deepCopy();
        facts.remove("incident");
        String capturer = capturedBy(spool);
        int objects = listed.size();
        int made = created;
        String[] theirs = new String[1];
        Incidents.Appended written = Incidents.appendPart(store, prefix, signer, (stored, n, previous) -> {
            if (stored == null) {
                throw new java.nio.file.NoSuchFileException(store.describe(prefix + "manifest.json"), null, "the incident's first part is gone");
            }
            for (Incidents.Part p : stored.parts()) {
                if (p.json() != null && label.equals(p.json().path("producer").asText())) {
                    theirs[0] = p.sha256();
                    return null; // a concurrent upload of this capture wrote its part first
                }
            }
            return Manifest.part(n, id, prefix, label, previous, facts, arts, List.of(
                    new Manifest.Custody(capturer, "captured " + objects + " artifacts (" + label + ")", spool.path("capture_finished").asText(now)),
                    new Manifest.Custody(writer, "wrote " + objects + " artifacts to " + prefix + label + "/ and signed this part (key " + signer.keyId() + ")", now)));
        });
        if (written == null) {
            return new Result(Outcome.ALREADY_ARCHIVED, id, prefix, theirs[0], made, objects - made, bytes);
        }
        return new Result(Outcome.ARCHIVED, id, prefix, written.sha256(), made, objects - made, bytes);
    }

    private static Result already(Store store, String prefix, String id, List<Manifest.Artifact> listed) throws IOException {
        byte[] b = store.read(prefix + "manifest.json");
        JsonNode stored = Incidents.parse(b);
        Map<String, String> there = new LinkedHashMap<>();
        if (stored != null) {
            Manifest.artifacts(stored).forEach(a -> there.put(a.name(), a.sha256()));
        }
        for (Manifest.Artifact a : listed) {
            String s = there.get(a.name());
            if (!a.sha256().equals(s)) {
                throw new Store.ConflictException(store.describe(prefix + "manifest.json") + " lists ", a.name(), String.valueOf(s), a.sha256());
            }
        }
        if (there.size() != listed.size()) {
            throw new Store.ConflictException(store.describe(prefix + "manifest.json") + " lists " + there.size() + " artifacts, the spool "
                    + listed.size() + ": the archived incident differs from the spool, nothing overwritten", prefix + "manifest.json");
        }
        writeIndex(store, id, firstAlertOr(stored), prefix, (ObjectNode) stored, Hashes.hex(b), null, null);
        return new Result(Outcome.ALREADY_ARCHIVED, id, prefix, Hashes.hex(b), 0, listed.size(), 0);
    }

    static JsonNode readJson(Store store, String key) {
        try {
            return Incidents.parse(store.read(key));
        } catch (IOException e) {
            return null;
        }
    }

    private static Instant firstAlertOr(JsonNode m) {
        try {
            return firstAlert(m);
        } catch (IllegalArgumentException e) {
            return Instant.EPOCH;
        }
    }

    /** The incident's summary line for Athena and `bulwark archive list`, at index/incidents/dt=DAY/ID.jsonl (written once). */
    static void writeIndex(Store store, String id, Instant first, String prefix, ObjectNode manifest, String manifestSha, JsonNode alert,
            JsonNode container) throws IOException {
        String key = Incidents.indexKey(id, first);
        if (store.exists(key)) {
            return;
        }
        if (alert == null) {
            alert = readJson(store, prefix + "alert.json");
            container = readJson(store, prefix + "container.json");
        }
        store.put(key, (Json.line(Summary.of(manifest, manifestSha, alert, container)) + "\n").getBytes(StandardCharsets.UTF_8), "application/x-ndjson");
    }
}
