package io.bulwark.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.bulwark.contract.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "archive", mixinStandardHelpOptions = true,
        subcommands = {ArchiveCommand.ListCmd.class, ArchiveCommand.Show.class, ArchiveCommand.Get.class, ArchiveCommand.Verify.class,
                ArchiveCommand.ReportCmd.class},
        description = {
            "Browse and check the forensic archive: every incident's evidence as the node captured it, under "
                    + "incidents/yyyy/mm/dd/ID/ with a signed, hash-chained manifest (docs/archive.md).",
            "",
            "The store is the local archive by default ($BULWARK_VAR or ./var, then archive/bulwark-archive: the files "
                    + "./bulwark up's S3 stand-in serves), or --store s3://BUCKET (AWS credentials and region from the standard chain).",
            "Incident ids may be shortened to a unique prefix. show, get, verify and report record the access as a new "
                    + "object under the incident's access/ (nothing is ever rewritten).",
            "",
            "Examples:",
            "  bulwark archive list --since 24h                 incidents of the last day, newest first",
            "  bulwark archive list --namespace shop --vector ns-enter-host --json",
            "  bulwark archive show 7f1c2a9e                    summary, root cause, process tree, timeline, actions",
            "  bulwark archive get 7f1c2a9e changed-files.tar.gz -o /tmp/changed.tar.gz",
            "  bulwark archive verify 7f1c2a9e                  recompute every hash, check signatures and the chain (exit 1 on any mismatch)",
            "  bulwark archive report 7f1c2a9e -o report.html   a self-contained HTML report, also stored in the archive",
            "  bulwark archive list --store s3://bulwark-archive-123456789012 --region eu-west-1"
        })
public final class ArchiveCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new ArchiveCommand());
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setExecutionExceptionHandler((e, c, p) -> {
            err.println("bulwark archive " + c.getCommandName() + ": " + (e instanceof NoSuchFileException n ? n.getFile() + ": " + n.getReason()
                    : e.getMessage() == null ? e.toString() : e.getMessage()));
            return 2;
        });
        OUT.set(out);
        ERR.set(err);
        return cl.execute(args);
    }

    static final ThreadLocal<PrintStream> OUT = ThreadLocal.withInitial(() -> System.out);
    static final ThreadLocal<PrintStream> ERR = ThreadLocal.withInitial(() -> System.err);

    @Override
    public Integer call() {
        spec.commandLine().usage(OUT.get());
        return 2;
    }

    /** Where the archive is. */
    static final class StoreOptions {
        @Option(names = "--store", paramLabel = "DIR|s3://BUCKET",
                description = "The archive: a local bucket directory (default $BULWARK_VAR/archive/bulwark-archive, else ./var/archive/bulwark-archive) or s3://BUCKET.")
        String store;

        @Option(names = "--region", paramLabel = "REGION", description = "AWS region for s3:// (default: the standard chain's).")
        String region;

        @Option(names = "--s3-endpoint", paramLabel = "URL", description = "S3 endpoint for s3:// (S3Proxy, a VPC endpoint).")
        URI endpoint;

        static Path var() {
            String v = System.getenv("BULWARK_VAR");
            return Path.of(v == null || v.isBlank() ? "var" : v);
        }

        /** The var directory of a local store: DIR/../.. when DIR is VAR/archive/bulwark-archive, else $BULWARK_VAR or ./var. */
        Path varDir() {
            if (store != null && !store.startsWith("s3://")) {
                Path d = Path.of(store).toAbsolutePath().normalize();
                if (d.getParent() != null && d.getParent().getFileName() != null && d.getParent().getFileName().toString().equals("archive")
                        && d.getParent().getParent() != null) {
                    return d.getParent().getParent();
                }
            }
            return var();
        }

        boolean local() {
            return store == null || !store.startsWith("s3://");
        }

        Store open() {
            if (store != null && store.startsWith("s3://")) {
                String bucket = store.substring(5).replaceAll("/+$", "");
                boolean loopback = endpoint != null && ("127.0.0.1".equals(endpoint.getHost()) || "localhost".equals(endpoint.getHost()));
                return new S3Store(Aws.s3(region, endpoint, loopback), bucket, S3Store.Lock.NONE);
            }
            Path dir = store != null ? Path.of(store) : var().resolve("archive").resolve("bulwark-archive");
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException(dir + ": no archive there (start ./bulwark up, or give --store DIR or s3://BUCKET)");
            }
            return new LocalStore(dir);
        }
    }

    static void access(Store store, String prefix, String id, String what, String detail) {
        try {
            Incidents.recordAccess(store, prefix, id, what, detail);
        } catch (IOException | RuntimeException e) {
            ERR.get().println("bulwark archive: warning: could not record this access under " + store.describe(prefix + "access/") + ": " + e.getMessage());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = {
        "List incidents, newest first: the index/incidents/dt=… lines the shipper writes beside node evidence, then archived",
        "incidents without one (opened by the snapshot function, or by another tool), then incidents triage filed under",
        "STATE/incidents/ that have no archived evidence (host incidents, alerts the node did not capture). The EVIDENCE",
        "column (evidence in --json) says which: node, snapshot, archived (other producers), none.",
        "",
        "Examples:",
        "  bulwark archive list",
        "  bulwark archive list --since 2026-12-01 --pod web-7d9f",
        "  bulwark archive list --image registry.example/shop --json | jq '.[].id'"})
    static final class ListCmd implements Callable<Integer> {
        @Mixin StoreOptions where;
        @Option(names = "--cluster", paramLabel = "NAME", description = "Only this cluster.") String cluster;
        @Option(names = "--namespace", paramLabel = "NS", description = "Only pods in this namespace.") String namespace;
        @Option(names = "--pod", paramLabel = "POD", description = "Only this pod (name).") String pod;
        @Option(names = "--image", paramLabel = "TEXT", description = "Only containers whose image contains TEXT.") String image;
        @Option(names = "--vector", paramLabel = "ID", description = "Only this escape vector (escape-vectors.md ids, e.g. ns-enter-host).") String vector;
        @Option(names = "--since", paramLabel = "DURATION|DATE", description = "Only incidents since 24h, 7d, 90m … ago, or since a date (2026-12-01) or time (ISO-8601).") String since;
        @Option(names = "--json", description = "A JSON array of incidents: id, time, vector, priority, severity, container {id, name, image, runtime}, k8s, node, evidence, …") boolean json;
        @Option(names = "--state-prefix", paramLabel = "PREFIX", defaultValue = "state",
                description = "Where triage keeps incident records in the same bucket (its STATE_PREFIX; default ${DEFAULT-VALUE}); '' to skip them.") String statePrefix;

        @Override
        public Integer call() throws IOException {
            Instant from = since == null ? Instant.EPOCH : parseSince(since);
            try (Store store = where.open()) {
                List<JsonNode> rows = new ArrayList<>();
                Set<String> seen = new HashSet<>();
                String fromDay = from.atZone(ZoneOffset.UTC).toLocalDate().toString();
                for (Store.Entry e : store.list("index/incidents/")) {
                    int dt = e.key().indexOf("dt=");
                    if (dt < 0 || e.key().substring(dt + 3).compareTo(fromDay) < 0) {
                        continue;
                    }
                    for (String line : new String(store.read(e.key()), StandardCharsets.UTF_8).split("\n")) {
                        JsonNode n = line.isBlank() ? null : Incidents.parse(line.getBytes(StandardCharsets.UTF_8));
                        if (n != null && seen.add(n.path("id").asText()) && matches(n, from)) {
                            if (!n.has("evidence") && n.isObject()) {
                                ((com.fasterxml.jackson.databind.node.ObjectNode) n).put("evidence", "node"); // lines written before the field
                            }
                            rows.add(n);
                        }
                    }
                }
                for (JsonNode n : Listing.unindexed(store, fromDay, seen)) {
                    if (seen.add(n.path("id").asText()) && matches(n, from)) {
                        rows.add(n);
                    }
                }
                if (statePrefix != null && !statePrefix.isBlank()) {
                    for (JsonNode n : Listing.triaged(store, statePrefix, seen)) {
                        if (seen.add(n.path("id").asText()) && matches(n, from)) {
                            rows.add(n);
                        }
                    }
                }
                rows.sort((a, b) -> b.path("time").asText("").compareTo(a.path("time").asText("")));
                PrintStream out = OUT.get();
                if (json) {
                    ArrayNode arr = Json.mapper().createArrayNode();
                    rows.forEach(arr::add);
                    out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(arr));
                    return 0;
                }
                if (rows.isEmpty()) {
                    out.println("no incidents" + (since == null ? "" : " since " + from) + " in " + store.describe(""));
                    return 0;
                }
                out.printf("%-30s %-10s %-9s %-22s %-12s %-9s %-30s %s%n", "TIME", "ID", "PRIORITY", "VECTOR", "NODE", "EVIDENCE", "POD / CONTAINER", "IMAGE");
                for (JsonNode n : rows) {
                    JsonNode k = n.path("k8s");
                    String where = k.isObject() ? k.path("namespace").asText("") + "/" + k.path("pod").asText("")
                            : n.path("container").isObject() ? n.path("container").path("name").asText("") : "host";
                    out.printf("%-30s %-10s %-9s %-22s %-12s %-9s %-30s %s%n", n.path("time").asText(""), n.path("id").asText("").substring(0, Math.min(8, n.path("id").asText("").length())),
                            n.path("priority").asText("-"), n.path("vector").asText("-"), n.path("node").asText("-"), n.path("evidence").asText("node"), where,
                            n.path("container").path("image").asText("-"));
                }
                out.println(rows.size() + " incident" + (rows.size() == 1 ? "" : "s") + " (bulwark archive show ID for one)");
                return 0;
            }
        }

        private boolean matches(JsonNode n, Instant from) {
            try {
                if (Instant.parse(n.path("time").asText()).isBefore(from)) {
                    return false;
                }
            } catch (RuntimeException e) {
                if (from.isAfter(Instant.EPOCH)) {
                    return false;
                }
            }
            JsonNode k = n.path("k8s");
            return (cluster == null || cluster.equals(n.path("cluster").asText(null)) || cluster.equals(k.path("cluster").asText(null)))
                    && (namespace == null || namespace.equals(k.path("namespace").asText(null)))
                    && (pod == null || pod.equals(k.path("pod").asText(null)))
                    && (image == null || n.path("container").path("image").asText("").contains(image))
                    && (vector == null || vector.equals(n.path("vector").asText(null)) || n.path("vectors").toString().contains("\"" + vector + "\""));
        }
    }

    static Instant parseSince(String s) {
        var m = java.util.regex.Pattern.compile("(\\d+)([smhdw])").matcher(s);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
            return Instant.now().minus(d);
        }
        try {
            return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (RuntimeException e) {
            try {
                return Instant.parse(s);
            } catch (RuntimeException e2) {
                throw new IllegalArgumentException("--since '" + s + "': give a duration (90m, 24h, 7d, 2w), a date (2026-12-01) or an ISO-8601 time");
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = {
        "Show one incident: summary, root-cause answers, process tree, timeline, actions, artifacts with SHA-256, chain of custody.",
        "",
        "Examples:",
        "  bulwark archive show 7f1c2a9e",
        "  bulwark archive show 7f1c2a9e --json | jq '.artifacts[] | {name, size, sha256}'"})
    static final class Show implements Callable<Integer> {
        @Mixin StoreOptions where;
        @Parameters(index = "0", paramLabel = "INCIDENT", description = "Incident id or a unique prefix of it.") String id;
        @Option(names = "--json", description = "One JSON object: the list fields plus root_cause, process_tree, timeline, actions, artifacts [{name, size, sha256, …}], custody, manifest_parts.") boolean json;
        @Option(names = "--timeline", paramLabel = "N", defaultValue = "40", description = "Timeline entries in text output: the last N (default ${DEFAULT-VALUE}; --json has all).") int lastN;

        @Override
        public Integer call() throws IOException {
            try (Store store = where.open()) {
                String prefix = Incidents.locate(store, id);
                IncidentView v = IncidentView.load(store, prefix);
                access(store, prefix, v.incident.id(), "show", json ? "show --json" : "show");
                PrintStream out = OUT.get();
                if (json) {
                    out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(v.json()));
                    return 0;
                }
                JsonNode s = v.summary;
                out.println("Incident " + s.path("id").asText() + "  (" + store.describe(prefix) + ")");
                out.println("  first alert  " + s.path("time").asText() + "   " + s.path("priority").asText("?") + " severity " + s.path("severity").asText("?")
                        + "   vector " + s.path("vector").asText("?") + "   rule \"" + s.path("rule").asText("") + "\"");
                JsonNode c = s.path("container");
                JsonNode k = s.path("k8s");
                out.println("  node " + s.path("node").asText("?") + "   container " + (c.isObject() ? c.path("name").asText("") + " " + shortId(c.path("id").asText(""))
                        + " image " + c.path("image").asText("?") : "host") + (k.isObject() ? "   pod " + k.path("namespace").asText("") + "/" + k.path("pod").asText("") : ""));
                out.println();
                out.println("Root cause");
                for (String[] r : v.rootCause) {
                    out.printf("  %-42s %s%n", r[0], r[1]);
                }
                out.println();
                out.println("Process tree");
                if (v.processTree.isEmpty()) {
                    out.println("  (not captured)");
                }
                v.processTree.forEach(l -> out.println("  " + clip(l, 200)));
                out.println();
                int from = Math.max(0, v.timeline.size() - lastN);
                out.println("Timeline (" + v.timeline.size() + " entries" + (from > 0 ? ", the last " + lastN : "") + ")");
                for (JsonNode e : v.timeline.subList(from, v.timeline.size())) {
                    out.println("  " + e.path("time").asText("") + "  " + ("alert".equals(e.path("kind").asText()) ? "!! " : "   ") + clip(IncidentView.describe(e), 200));
                }
                out.println();
                out.println("Actions");
                for (String[] a : v.actions) {
                    out.println("  " + a[0] + "  " + a[1] + (a[2].isEmpty() ? "" : "  (" + a[2] + ")"));
                }
                out.println();
                out.println("Artifacts (" + v.incident.artifacts().size() + ")");
                for (Manifest.Artifact a : v.incident.artifacts()) {
                    out.printf("  %-44s %12d  %s%n", a.name(), a.size(), a.sha256());
                }
                out.println();
                out.println(v.incident.parts().size() + " signed manifest part(s), " + v.incident.accessKeys().size() + " recorded accesses before this one. "
                        + "bulwark archive verify " + shortId(s.path("id").asText()) + " checks them.");
                return 0;
            }
        }
    }

    /** Long lines cut for the terminal (show --json, get and the report have them whole). */
    static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 8) : id;
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = {
        "Copy one artifact out of the archive, checking its SHA-256 against the signed manifest while streaming. With -o the file "
                + "appears only when the hash matched; to stdout a mismatch is reported at the end (exit 1).",
        "",
        "Examples:",
        "  bulwark archive get 7f1c2a9e changed-files.tar.gz -o changed.tar.gz && tar tzf changed.tar.gz",
        "  bulwark archive get 7f1c2a9e timeline.jsonl | jq -c 'select(.kind==\"alert\")'"})
    static final class Get implements Callable<Integer> {
        @Mixin StoreOptions where;
        @Parameters(index = "0", paramLabel = "INCIDENT") String id;
        @Parameters(index = "1", paramLabel = "ARTIFACT", description = "The artifact's name as show lists it (e.g. process-tree.json, proc/4720/facts.json).") String name;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE (default stdout).") Path output;

        @Override
        public Integer call() throws IOException {
            try (Store store = where.open()) {
                String prefix = Incidents.locate(store, id);
                Incidents.Incident inc = Incidents.load(store, prefix);
                Manifest.Artifact a = inc.artifact(name);
                if (a == null) {
                    List<String> names = inc.artifacts().stream().map(Manifest.Artifact::name).toList();
                    throw new IllegalArgumentException("incident " + inc.id() + " has no artifact '" + name + "'; it has: " + String.join(", ", names));
                }
                access(store, prefix, inc.id(), "get", name);
                PrintStream err = ERR.get();
                Path tmp = output == null ? null : Files.createTempFile(output.toAbsolutePath().getParent(), "." + output.getFileName(), ".part");
                long t0 = System.nanoTime();
                long n = 0;
                var digest = Hashes.sha256();
                try (InputStream in = store.open(prefix + name);
                        OutputStream o = tmp == null ? new java.io.FilterOutputStream(OUT.get()) {
                            @Override
                            public void close() throws IOException {
                                flush();
                            }
                        } : Files.newOutputStream(tmp)) {
                    byte[] buf = new byte[1 << 16];
                    long next = 64L << 20;
                    for (int r; (r = in.read(buf)) > 0; ) {
                        digest.update(buf, 0, r);
                        o.write(buf, 0, r);
                        n += r;
                        if (n >= next) {
                            err.printf("get: %s %d/%d MiB%n", name, n >> 20, a.size() >> 20);
                            next += 64L << 20;
                        }
                    }
                }
                String sha = java.util.HexFormat.of().formatHex(digest.digest());
                if (!sha.equals(a.sha256()) || n != a.size()) {
                    if (tmp != null) {
                        Files.deleteIfExists(tmp);
                    }
                    err.println("bulwark archive get: " + store.describe(prefix + name) + ": SHA-256 " + sha + " (" + n + " bytes), the signed manifest says "
                            + a.sha256() + " (" + a.size() + " bytes): the object was changed; " + (tmp != null ? "nothing written" : "do not trust what was printed"));
                    return 1;
                }
                if (tmp != null) {
                    Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    double s = (System.nanoTime() - t0) / 1e9;
                    err.printf("%s: %d bytes, SHA-256 %s matches the manifest (%.1f MB/s)%n", output, n, sha, n / 1e6 / Math.max(s, 1e-6));
                }
                return 0;
            }
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, description = {
        "Check an incident end to end: recompute every object's SHA-256 and size, check every manifest part's signature (by the "
                + "published key keys/KEY-ID.pub, whose id must match its bytes) and the chain of parts, and look for objects no part "
                + "lists. Exit 0 when everything matches, 1 naming each object that does not, 2 on bad usage.",
        "",
        "With a local store the key of its var directory (VAR/keys/archive-ed25519.key.pub) is the trusted one; "
                + "--trust-key adds (or, for s3://, sets) trusted public keys.",
        "",
        "Examples:",
        "  bulwark archive verify 7f1c2a9e",
        "  bulwark archive verify 7f1c2a9e --store s3://bulwark-archive-123456789012 --trust-key archive-signing.pub"})
    static final class Verify implements Callable<Integer> {
        @Mixin StoreOptions where;
        @Parameters(index = "0", paramLabel = "INCIDENT") String id;
        @Option(names = "--trust-key", paramLabel = "FILE", description = "A trusted public key (PEM); repeatable.") List<Path> trust = new ArrayList<>();

        @Override
        public Integer call() throws IOException {
            Set<String> trusted = new HashSet<>();
            for (Path p : trust) {
                trusted.add(Keys.keyId(Keys.der(Files.readString(p))));
            }
            Path localPub = where.varDir().resolve("keys/archive-ed25519.key.pub");
            if (where.local() && Files.isRegularFile(localPub)) {
                trusted.add(Keys.keyId(Keys.der(Files.readString(localPub))));
            }
            PrintStream out = OUT.get();
            try (Store store = where.open()) {
                String prefix = Incidents.locate(store, id);
                long t0 = System.nanoTime();
                Verifier.Result r = new Verifier(store, trusted, ERR.get()).verify(prefix);
                String incident = prefix.substring(prefix.lastIndexOf('/', prefix.length() - 2) + 1, prefix.length() - 1);
                access(store, prefix, incident, "verify", r.ok() ? "passed" : r.problems().size() + " problems");
                out.printf("verify %s: %d manifest part(s), %d objects, %.1f MB hashed in %d ms, signed by %s%s%n", store.describe(prefix), r.parts(), r.objects(),
                        r.bytes() / 1e6, (System.nanoTime() - t0) / 1_000_000, r.keyIds().isEmpty() ? "no valid key" : String.join(", ", r.keyIds()),
                        trusted.isEmpty() ? " (no trusted key given: any published key accepted)" : "");
                if (r.ok()) {
                    out.println("OK: every hash, size, signature and the manifest chain check out");
                    return 0;
                }
                for (Verifier.Problem p : r.problems()) {
                    out.println("FAILED " + p);
                }
                out.println(r.problems().size() + " problem" + (r.problems().size() == 1 ? "" : "s") + ": this incident's evidence is not as it was archived");
                return 1;
            }
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true, description = {
        "Write the incident's HTML report (one self-contained file: summary, timeline, process tree, root-cause answers, actions, "
                + "artifacts with hashes; no script, no external fetch) and store it in the archive as a new object (report.html, then "
                + "report-TIME.html) under a new signed manifest part.",
        "",
        "Examples:",
        "  bulwark archive report 7f1c2a9e                   writes ./report.html",
        "  bulwark archive report 7f1c2a9e -o /tmp/incident.html --no-store"})
    static final class ReportCmd implements Callable<Integer> {
        @Mixin StoreOptions where;
        @Parameters(index = "0", paramLabel = "INCIDENT") String id;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", defaultValue = "report.html", description = "Where to write it (default ${DEFAULT-VALUE}).") Path output;
        @Option(names = "--no-store", description = "Do not add the report to the archive.") boolean noStore;
        @Option(names = "--sign-key", paramLabel = "FILE", description = "Ed25519 key signing the new manifest part (default VAR/keys/archive-ed25519.key of a local store).") Path signKey;
        @Option(names = "--kms-key-id", paramLabel = "KEY", description = "Sign the new part with this KMS key instead (ECC_NIST_P256 or RSA, SIGN_VERIFY; the algorithm is the key's).") String kmsKey;
        @Option(names = "--kms-endpoint", paramLabel = "URL", description = "KMS endpoint instead of the region's (a VPC endpoint).") URI kmsEndpoint;

        @Override
        public Integer call() throws IOException {
            try (Store store = where.open()) {
                String prefix = Incidents.locate(store, id);
                IncidentView v = IncidentView.load(store, prefix);
                String html = Report.html(v, store.describe(prefix));
                byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
                Path tmp = Files.createTempFile(output.toAbsolutePath().getParent(), "." + output.getFileName(), ".part");
                Files.write(tmp, bytes);
                Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                PrintStream out = OUT.get();
                out.println("wrote " + output + " (" + bytes.length + " bytes, SHA-256 " + Hashes.hex(bytes) + ")");
                access(store, prefix, v.incident.id(), "report", output.toString());
                if (noStore) {
                    return 0;
                }
                Signer signer;
                if (kmsKey != null) {
                    boolean loopback = kmsEndpoint != null && ("127.0.0.1".equals(kmsEndpoint.getHost()) || "localhost".equals(kmsEndpoint.getHost()));
                    signer = new KmsSigner(Aws.kms(where.region, kmsEndpoint, loopback), kmsKey);
                } else if (signKey != null || where.local()) {
                    Path key = signKey != null ? signKey : where.varDir().resolve("keys/archive-ed25519.key");
                    if (signKey == null && !Files.exists(key)) {
                        ERR.get().println("bulwark archive report: not stored in the archive: no signing key at " + key
                                + " (the local stack makes it); give --sign-key FILE");
                        return 0;
                    }
                    signer = LocalKeySigner.open(key);
                } else {
                    ERR.get().println("bulwark archive report: not stored in the archive: give --sign-key FILE or --kms-key-id KEY to sign the new manifest part");
                    return 0;
                }
                String name = v.incident.artifact("report.html") == null ? "report.html"
                        : "report-" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").format(Instant.now().atZone(ZoneOffset.UTC)) + ".html";
                String key = Incidents.append(store, v.incident, "report", Incidents.who() + " (bulwark archive report)", "added the HTML report " + name,
                        List.of(new Incidents.NewObject(name, bytes, "text/html; charset=utf-8", Instant.now().toString())), signer);
                out.println("stored " + store.describe(prefix + name) + ", listed in the signed part " + key.substring(prefix.length()));
                return 0;
            }
        }
    }
}
