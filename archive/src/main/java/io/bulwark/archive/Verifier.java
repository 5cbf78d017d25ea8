package io.bulwark.archive;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks an incident end to end: every manifest part parses, is numbered in order, names its
 * predecessor's SHA-256 (the chain), and carries a valid signature by a key published at
 * keys/KEY-ID.pub whose id matches its bytes (and, when trusted keys are given, is one of them);
 * every listed object exists with the listed size and SHA-256 (recomputed from its bytes); no object
 * under the incident's prefix is unlisted (except access records, which must parse).
 */
public final class Verifier {
    /** One failed check, naming the object. */
    public record Problem(String object, String reason) {
        @Override
        public String toString() {
            return object + ": " + reason;
        }
    }

    /** What was checked and what failed. */
    public record Result(String prefix, int parts, int objects, long bytes, List<String> keyIds, List<Problem> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private final Store store;
    private final Set<String> trustedKeyIds;
    private final PrintStream progress;

    /** {@code trustedKeyIds} empty = any published key; {@code progress} (may be null) gets a line per large object. */
    public Verifier(Store store, Set<String> trustedKeyIds, PrintStream progress) {
        this.store = store;
        this.trustedKeyIds = trustedKeyIds;
        this.progress = progress;
    }

    public Result verify(String prefix) throws IOException {
        List<Problem> problems = new ArrayList<>();
        Incidents.Incident inc;
        try {
            inc = Incidents.load(store, prefix);
        } catch (NoSuchFileException e) {
            problems.add(new Problem(store.describe(prefix + "manifest.json"), "missing: the incident has no manifest"));
            return new Result(prefix, 0, 0, 0, List.of(), problems);
        }
        Set<String> listed = new HashSet<>();
        List<String> keyIds = new ArrayList<>();
        String previous = null;
        int expected = 1;
        String incidentId = inc.first() == null ? null : inc.first().path("incident").asText();
        for (Incidents.Part p : inc.parts()) {
            String where = store.describe(p.key());
            listed.add(p.key());
            if (p.number() == expected - 1) {
                problems.add(new Problem(where, "a second part " + p.number() + " (two writers took the same number; parts are now named by number alone so this cannot recur)"));
            } else if (p.number() != expected) {
                problems.add(new Problem(where, "part " + p.number() + " follows part " + (expected - 1) + ": part " + expected + " is missing"));
            }
            expected = p.number() + 1;
            JsonNode j = p.json();
            if (j == null) {
                problems.add(new Problem(where, "not a JSON object (changed?)"));
                previous = p.sha256();
                continue;
            }
            if (!Manifest.FORMAT.equals(j.path("format").asText())) {
                problems.add(new Problem(where, "format is '" + j.path("format").asText() + "', expected " + Manifest.FORMAT));
            }
            if (j.path("part").asInt() != p.number()) {
                problems.add(new Problem(where, "says it is part " + j.path("part").asText() + " but is stored as part " + p.number()));
            }
            if (incidentId != null && !incidentId.equals(j.path("incident").asText())) {
                problems.add(new Problem(where, "belongs to incident '" + j.path("incident").asText() + "', not " + incidentId));
            }
            if (!prefix.equals(j.path("prefix").asText())) {
                problems.add(new Problem(where, "says its prefix is '" + j.path("prefix").asText() + "' but is stored under " + prefix));
            }
            String prevField = j.path("previous_sha256").isTextual() ? j.path("previous_sha256").asText() : null;
            if (p.number() == 1 ? prevField != null : !java.util.Objects.equals(prevField, previous)) {
                problems.add(new Problem(where, "chain broken: previous_sha256 is " + prevField + ", the previous part's SHA-256 is " + previous));
            }
            checkSignature(p, j, where, problems, keyIds);
            previous = p.sha256();
        }
        int objects = 0;
        long bytes = 0;
        Set<String> names = new HashSet<>();
        for (Manifest.Artifact a : inc.artifacts()) {
            if (a.name() == null || a.name().isEmpty() || a.sha256() == null) {
                problems.add(new Problem(store.describe(prefix), "an artifact entry without name or sha256"));
                continue;
            }
            String key = prefix + a.name();
            if (!names.add(a.name())) {
                problems.add(new Problem(store.describe(key), "listed twice in the manifest parts"));
            }
            listed.add(key);
            objects++;
            try (InputStream in = store.open(key)) {
                long[] count = {0};
                String name = store.describe(key);
                if (progress != null && a.size() > (64L << 20)) {
                    progress.printf("verify: %s (%d MiB)…%n", a.name(), a.size() >> 20);
                }
                String sha = Hashes.stream(new java.io.FilterInputStream(in) {
                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int n = super.read(b, off, len);
                        if (n > 0) {
                            count[0] += n;
                        }
                        return n;
                    }
                }, progress == null ? null : done -> progress.printf("verify: %s %d/%d MiB%n", a.name(), done >> 20, a.size() >> 20));
                bytes += count[0];
                if (!sha.equals(a.sha256())) {
                    problems.add(new Problem(name, "SHA-256 is " + sha + ", the manifest says " + a.sha256() + " (changed)"));
                } else if (count[0] != a.size()) {
                    problems.add(new Problem(name, "size is " + count[0] + ", the manifest says " + a.size()));
                }
            } catch (NoSuchFileException e) {
                problems.add(new Problem(store.describe(key), "missing: listed in the manifest (" + a.sha256() + ") but not in the store"));
            }
        }
        for (Store.Entry e : inc.objects()) {
            if (listed.contains(e.key())) {
                continue;
            }
            if (inc.accessKeys().contains(e.key())) {
                JsonNode acc = Incidents.parse(store.read(e.key()));
                if (acc == null || !acc.hasNonNull("who") || !acc.hasNonNull("what") || !acc.hasNonNull("when")) {
                    problems.add(new Problem(store.describe(e.key()), "an access record that is not {who, what, when} JSON"));
                }
                continue;
            }
            problems.add(new Problem(store.describe(e.key()), "extra object: not listed in any manifest part"));
        }
        return new Result(prefix, inc.parts().size(), objects, bytes, keyIds, problems);
    }

    private void checkSignature(Incidents.Part p, JsonNode j, String where, List<Problem> problems, List<String> keyIds) throws IOException {
        JsonNode s = j.path("signature");
        String alg = s.path("alg").asText(null);
        String keyId = s.path("key_id").asText(null);
        String value = s.path("value").asText(null);
        if (alg == null || keyId == null || value == null) {
            problems.add(new Problem(where, "unsigned: no signature {alg, key_id, value}"));
            return;
        }
        if (!keyId.matches("[0-9a-f]{32}")) {
            problems.add(new Problem(where, "bad signature key id '" + keyId + "'"));
            return;
        }
        String keyKey = "keys/" + keyId + ".pub";
        String pem;
        try {
            pem = new String(store.read(keyKey), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            problems.add(new Problem(store.describe(keyKey), "missing: the public key that signed " + p.key() + " is not published"));
            return;
        }
        String actualId;
        try {
            actualId = Keys.keyId(Keys.der(pem));
        } catch (IllegalArgumentException e) {
            problems.add(new Problem(store.describe(keyKey), "not a PEM public key"));
            return;
        }
        if (!actualId.equals(keyId)) {
            problems.add(new Problem(store.describe(keyKey), "its bytes have key id " + actualId + ", not " + keyId + " (the key was replaced)"));
            return;
        }
        if (!trustedKeyIds.isEmpty() && !trustedKeyIds.contains(keyId)) {
            problems.add(new Problem(where, "signed by key " + keyId + ", which is not one of the trusted keys " + trustedKeyIds));
        }
        if (!keyIds.contains(keyId)) {
            keyIds.add(keyId);
        }
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            problems.add(new Problem(where, "bad signature: value is not base64"));
            return;
        }
        if (!Keys.verify(alg, pem, CanonicalJson.signedBytes(j), sig)) {
            problems.add(new Problem(where, "bad signature: the " + alg + " signature by key " + keyId + " does not match the manifest's contents"));
        }
    }
}
