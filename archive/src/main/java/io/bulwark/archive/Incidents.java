package io.bulwark.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.contract.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The incident layout in the archive (docs/archive.md):
 * <pre>
 * incidents/yyyy/mm/dd/ID/manifest.json               part 1, signed
 * incidents/yyyy/mm/dd/ID/manifest.d/0002.json         additions, each signed, chained by SHA-256
 *                                                     (before 2026-12-07: manifest.d/0002-PRODUCER.json, still read)
 * incidents/yyyy/mm/dd/ID/NAME                        the evidence objects the parts list
 * incidents/yyyy/mm/dd/ID/access/TIME-WHAT-RAND.json  every access by our tools
 * keys/KEY-ID.pub                                     the public keys that signed parts
 * index/incidents/dt=yyyy-mm-dd/ID.jsonl              one summary line per incident, for Athena
 * </pre>
 * The date is the incident's first alert's (UTC).
 */
public final class Incidents {
    private static final Pattern PART = Pattern.compile("manifest\\.d/(\\d{4})(?:-([A-Za-z0-9._-]+))?\\.json");

    private Incidents() {}

    public static String prefix(String id, Instant firstAlert) {
        ZonedDateTime z = firstAlert.atZone(ZoneOffset.UTC);
        return String.format("incidents/%04d/%02d/%02d/%s/", z.getYear(), z.getMonthValue(), z.getDayOfMonth(), Manifest.safe(id));
    }

    public static String indexKey(String id, Instant firstAlert) {
        return "index/incidents/dt=" + DateTimeFormatter.ISO_LOCAL_DATE.format(firstAlert.atZone(ZoneOffset.UTC)) + "/" + Manifest.safe(id) + ".jsonl";
    }

    /** A stored manifest part. */
    public record Part(int number, String key, byte[] bytes, JsonNode json) {
        public String sha256() {
            return Hashes.hex(bytes);
        }
    }

    /** An incident as stored: its parts in order, its access records, every key under its prefix. */
    public record Incident(String id, String prefix, List<Part> parts, List<String> accessKeys, List<Store.Entry> objects) {
        public JsonNode first() {
            return parts.get(0).json();
        }

        public List<Manifest.Artifact> artifacts() {
            List<Manifest.Artifact> out = new ArrayList<>();
            parts.forEach(p -> out.addAll(Manifest.artifacts(p.json())));
            return out;
        }

        public List<Manifest.Custody> custody() {
            List<Manifest.Custody> out = new ArrayList<>();
            parts.forEach(p -> out.addAll(Manifest.custody(p.json())));
            return out;
        }

        public Manifest.Artifact artifact(String name) {
            return artifacts().stream().filter(a -> name.equals(a.name())).findFirst().orElse(null);
        }

        public Part last() {
            return parts.get(parts.size() - 1);
        }
    }

    /** The prefix of incident {@code id} (or of the one incident whose id starts with it). */
    public static String locate(Store store, String id) throws IOException {
        if (id.isBlank() || id.contains("/")) {
            throw new IllegalArgumentException("bad incident id '" + id + "'");
        }
        List<String> found = new ArrayList<>();
        for (Store.Entry e : store.list("incidents/")) {
            String k = e.key();
            if (k.endsWith("/manifest.json")) {
                String[] p = k.split("/");
                if (p.length == 6 && p[4].startsWith(id)) {
                    if (p[4].equals(id)) {
                        return k.substring(0, k.length() - "manifest.json".length());
                    }
                    found.add(k.substring(0, k.length() - "manifest.json".length()));
                }
            }
        }
        if (found.size() == 1) {
            return found.get(0);
        }
        if (found.isEmpty()) {
            throw new NoSuchFileException(store.describe("incidents/"), null, "no incident '" + id + "' (bulwark archive list shows the ids)");
        }
        throw new IllegalArgumentException("'" + id + "' matches " + found.size() + " incidents: " + found);
    }

    /** Reads the incident at {@code prefix}; parts that are not JSON come back with a null json (verify names them). */
    public static Incident load(Store store, String prefix) throws IOException {
        List<Store.Entry> objects = store.list(prefix);
        List<Part> parts = new ArrayList<>();
        byte[] first = store.read(prefix + "manifest.json");
        parts.add(new Part(1, prefix + "manifest.json", first, parse(first)));
        List<String> access = new ArrayList<>();
        for (Store.Entry e : objects) {
            String rel = e.key().substring(prefix.length());
            Matcher m = PART.matcher(rel);
            if (m.matches()) {
                byte[] b = store.read(e.key());
                parts.add(new Part(Integer.parseInt(m.group(1)), e.key(), b, parse(b)));
            } else if (rel.startsWith("access/")) {
                access.add(e.key());
            }
        }
        parts.sort(java.util.Comparator.comparingInt(Part::number));
        JsonNode j = parts.get(0).json();
        String id = j == null ? prefix.substring(prefix.lastIndexOf('/', prefix.length() - 2) + 1, prefix.length() - 1) : j.path("incident").asText();
        return new Incident(id, prefix, parts, access, objects);
    }

    static JsonNode parse(byte[] b) {
        try {
            JsonNode n = Json.mapper().readTree(b);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Artifact bytes to add to an incident. */
    public record NewObject(String name, byte[] data, String contentType, String capturedAt) {}

    /**
     * Adds objects to a stored incident as a new signed part chained to the last one; nothing existing
     * is rewritten. Returns the new part's key.
     */
    public static String append(Store store, Incident inc, String producer, String who, String what, List<NewObject> objects, Signer signer)
            throws IOException {
        String now = Instant.now().toString();
        List<Manifest.Artifact> arts = new ArrayList<>();
        for (NewObject o : objects) {
            if (inc.artifact(o.name()) != null || arts.stream().anyMatch(a -> a.name().equals(o.name()))) {
                throw new IllegalArgumentException(inc.prefix() + o.name() + " is already in the manifest: an addition needs a new name");
            }
            store.put(inc.prefix() + o.name(), o.data(), o.contentType());
            arts.add(new Manifest.Artifact(o.name(), o.data().length, Hashes.hex(o.data()), producer, o.capturedAt() == null ? now : o.capturedAt(),
                    o.contentType(), who, now));
        }
        publishKey(store, signer);
        return appendPart(store, inc.prefix(), signer, (stored, n, previous) -> {
            if (stored == null) {
                throw new NoSuchFileException(store.describe(inc.prefix() + "manifest.json"), null, "the incident's first part is gone");
            }
            for (Manifest.Artifact a : arts) {
                if (stored.artifact(a.name()) != null) {
                    // a concurrent writer listed the same name first: the name is its, not ours
                    throw new Store.ConflictException(store.describe(inc.prefix() + a.name()) + " was listed by a concurrent writer's part", a.name());
                }
            }
            return Manifest.part(n, inc.id(), inc.prefix(), producer, previous, null, arts, List.of(new Manifest.Custody(who, what, now)));
        }).key();
    }

    /** Builds the unsigned part {@code n} chained to {@code previousSha256}; {@code stored} is null while part 1 is absent. */
    @FunctionalInterface
    public interface PartMaker {
        /** The part to write, or null to write nothing (e.g. the part is already there). */
        ObjectNode make(Incident stored, int n, String previousSha256) throws IOException;
    }

    /** A part written: its key, number and the SHA-256 of its bytes; attempts = 1 + the numbers lost to other writers. */
    public record Appended(String key, int number, String sha256, int attempts) {}

    /** How many numbers a writer may lose to concurrent writers before giving up. */
    static final int APPEND_ATTEMPTS = 64;

    /**
     * Appends a signed part to the incident at {@code prefix}, safe against concurrent writers: the part is
     * created at {@link Manifest#partKey} of the next number with a conditional create (S3 If-None-Match,
     * the local store's hard link); when another writer took that number first ({@link Store.ConflictException})
     * the incident is read again and the part made afresh as the next number, chained to the winner. No part
     * is lost and the chain stays whole. Null when {@code maker} returns null.
     */
    public static Appended appendPart(Store store, String prefix, Signer signer, PartMaker maker) throws IOException {
        java.util.concurrent.ThreadLocalRandom rnd = java.util.concurrent.ThreadLocalRandom.current();
        Store.ConflictException lastConflict = null;
        for (int attempt = 1; attempt <= APPEND_ATTEMPTS; attempt++) {
            Incident stored = store.exists(prefix + "manifest.json") ? load(store, prefix) : null;
            int n = stored == null ? 1 : stored.last().number() + 1;
            String previous = stored == null ? null : stored.last().sha256();
            ObjectNode part = maker.make(stored, n, previous);
            if (part == null) {
                return null;
            }
            byte[] signed = Manifest.sign(part, signer);
            String key = Manifest.partKey(prefix, n);
            try {
                store.put(key, signed, "application/json");
                return new Appended(key, n, Hashes.hex(signed), attempt);
            } catch (Store.ConflictException e) {
                // another writer created part n between our read and our write: take the next number
                lastConflict = e;
                try {
                    Thread.sleep(rnd.nextInt(1, 4 + Math.min(attempt, 16) * 4));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while appending to " + store.describe(prefix));
                }
            }
        }
        throw new IOException(store.describe(prefix) + ": lost the next manifest part number to other writers " + APPEND_ATTEMPTS
                + " times in a row; last: " + lastConflict.getMessage(), lastConflict);
    }

    /** Publishes the signer's public key at keys/KEY-ID.pub (once; the same bytes again are fine). */
    public static void publishKey(Store store, Signer signer) throws IOException {
        store.put("keys/" + signer.keyId() + ".pub", signer.publicKeyPem().getBytes(StandardCharsets.US_ASCII), "application/x-pem-file");
    }

    /** Records an access by our tools as a new object under the incident's access/ (never a manifest rewrite). */
    public static String recordAccess(Store store, String prefix, String incident, String what, String detail) throws IOException {
        Instant now = Instant.now();
        ObjectNode a = Json.mapper().createObjectNode();
        a.put("incident", incident);
        a.put("who", who());
        a.put("what", what);
        a.put("detail", detail);
        a.put("when", now.toString());
        a.put("tool", "bulwark archive");
        String rand = Long.toHexString(new java.security.SecureRandom().nextLong() & 0xffffffffL);
        String key = prefix + "access/" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").format(now.atZone(ZoneOffset.UTC)) + "-"
                + Manifest.safe(what) + "-" + rand + ".json";
        store.put(key, (Json.line(a) + "\n").getBytes(StandardCharsets.UTF_8), "application/json");
        return key;
    }

    /** user@host of this process, for custody and access records. */
    public static String who() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "localhost";
        }
        return System.getProperty("user.name", "unknown") + "@" + host;
    }
}
