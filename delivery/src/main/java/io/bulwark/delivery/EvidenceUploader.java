package io.bulwark.delivery;

import io.bulwark.archive.Ingest;
import io.bulwark.archive.Signer;
import io.bulwark.archive.Store;
import io.bulwark.contract.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Uploads the sensor's evidence spool to the archive. The sensor writes DIR/ID/… and DIR/ID/manifest.json
 * last (atomically), so a directory with a manifest.json is a finished capture; each is archived by
 * {@link Ingest#upload} (artifacts, then the signed manifest, then the index line) and then marked done in
 * DIR/.archived/ID.json. Evidence is never deleted here. A failed incident is retried with exponential
 * backoff and jitter; a restart re-checks unmarked incidents (the archive answers "already there" for what
 * an earlier run wrote). An archived object with different bytes is an ALARM, logged at every attempt and
 * counted ({@code bulwark_evidence_conflicts_total}); nothing is overwritten.
 */
public final class EvidenceUploader implements Runnable, AutoCloseable {
    private final Path spool;
    private final Store store;
    private final Signer signer;
    private final String writer;
    private final PrintStream log;
    private final long pollMillis;
    private final long backoffBaseMillis;
    private final long backoffCapMillis;
    private final Map<String, Retry> retries = new HashMap<>();
    private final AtomicLong archived = new AtomicLong();
    private final AtomicLong archivedBytes = new AtomicLong();
    private final AtomicLong conflicts = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile long heartbeat = System.nanoTime();
    private volatile boolean running = true;
    private volatile Thread thread;

    private record Retry(int attempts, long notBefore, String lastError) {}

    public EvidenceUploader(Path spool, Store store, Signer signer, String writer, PrintStream log, long pollMillis, long backoffBaseMillis,
            long backoffCapMillis) {
        this.spool = spool;
        this.store = store;
        this.signer = signer;
        this.writer = writer;
        this.log = log;
        this.pollMillis = pollMillis;
        this.backoffBaseMillis = backoffBaseMillis;
        this.backoffCapMillis = backoffCapMillis;
    }

    public Path marker(String id) {
        return spool.resolve(".archived").resolve(id + ".json");
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        while (running) {
            heartbeat = System.nanoTime();
            try {
                scanOnce();
            } catch (RuntimeException e) {
                log.println("bulwark ship: evidence upload: " + e);
            }
            try {
                Thread.sleep(pollMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One pass over the spool: archives every finished, unmarked incident that is not backing off. */
    public List<Ingest.Result> scanOnce() {
        List<Ingest.Result> out = new ArrayList<>();
        if (!Files.isDirectory(spool)) {
            return out;
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(spool)) {
            dirs = s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            log.println("bulwark ship: cannot list the evidence spool " + spool + ": " + e.getMessage());
            return out;
        }
        for (Path dir : dirs) {
            if (!running) {
                break;
            }
            String id = dir.getFileName().toString();
            if (Files.exists(marker(id))) {
                laterCaptures(dir, id, out);
                continue;
            }
            if (!Files.exists(dir.resolve("manifest.json"))) {
                continue; // the capture is still being written
            }
            Retry r = retries.get(id);
            if (r != null && System.currentTimeMillis() < r.notBefore()) {
                continue;
            }
            long t0 = System.nanoTime();
            try {
                Ingest.Result res = Ingest.upload(store, dir, signer, writer, log);
                markDone(id, res);
                retries.remove(id);
                archived.incrementAndGet();
                archivedBytes.addAndGet(res.bytes());
                out.add(res);
                log.printf("bulwark ship: evidence of incident %s %s %s (%d objects written, %d already there, %.1f MB, %d ms), manifest SHA-256 %s%n",
                        id, res.outcome() == Ingest.Outcome.ARCHIVED ? "archived to" : "was already in", store.describe(res.prefix()),
                        res.objectsWritten(), res.objectsAlreadyThere(), res.bytes() / 1e6, (System.nanoTime() - t0) / 1_000_000, res.manifestSha256());
                laterCaptures(dir, id, out);
            } catch (Store.ConflictException e) {
                conflicts.incrementAndGet();
                fail(id, "ALARM: evidence conflict, nothing overwritten: " + e.getMessage());
            } catch (Ingest.SpoolException e) {
                fail(id, "incident " + id + " not archived: " + e.getMessage());
            } catch (IOException | RuntimeException e) {
                fail(id, "incident " + id + " upload failed: " + e);
            }
        }
        return out;
    }

    /** The sensor's later captures of an archived incident, DIR/ID/capture-N/, each a new signed manifest part. */
    private void laterCaptures(Path dir, String id, List<Ingest.Result> out) {
        List<Path> caps;
        try (Stream<Path> s = Files.list(dir)) {
            caps = s.filter(p -> p.getFileName().toString().matches("capture-\\d+") && Files.exists(p.resolve("manifest.json")))
                    .sorted(java.util.Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(8)))).toList();
        } catch (IOException e) {
            return;
        }
        for (Path cap : caps) {
            String key = id + "." + cap.getFileName();
            if (Files.exists(marker(key))) {
                continue;
            }
            Retry r = retries.get(key);
            if (r != null && System.currentTimeMillis() < r.notBefore()) {
                return; // in order: capture-3 waits for capture-2
            }
            try {
                Ingest.Result res = Ingest.uploadCapture(store, cap, signer, writer);
                markDone(key, res);
                retries.remove(key);
                out.add(res);
                log.printf("bulwark ship: evidence of incident %s, %s: %s %s (%d objects)%n", id, cap.getFileName(),
                        res.outcome() == Ingest.Outcome.ARCHIVED ? "archived to" : "was already in", store.describe(res.prefix()), res.objectsWritten());
            } catch (Store.ConflictException e) {
                conflicts.incrementAndGet();
                fail(key, "ALARM: evidence conflict, nothing overwritten: " + e.getMessage());
                return;
            } catch (IOException | RuntimeException e) {
                fail(key, "incident " + id + " " + cap.getFileName() + " upload failed: " + e);
                return;
            }
        }
    }

    private void fail(String id, String message) {
        failures.incrementAndGet();
        Retry old = retries.get(id);
        int attempts = old == null ? 1 : old.attempts() + 1;
        long cap = Math.min(backoffCapMillis, backoffBaseMillis * (1L << Math.min(20, attempts - 1)));
        long wait = cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
        retries.put(id, new Retry(attempts, System.currentTimeMillis() + wait, message));
        log.println("bulwark ship: " + message + " (attempt " + attempts + ", next in " + wait + " ms)");
    }

    private void markDone(String id, Ingest.Result r) throws IOException {
        Path m = marker(id);
        Files.createDirectories(m.getParent());
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("incident", id);
        rec.put("archive", store.describe(r.prefix()));
        rec.put("manifest_sha256", r.manifestSha256());
        rec.put("archived_at", Instant.now().toString());
        Path tmp = m.resolveSibling("." + id + ".tmp");
        Files.writeString(tmp, Json.line(rec) + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, m, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The uploader's samples on the shipper's /metrics. */
    public void metrics(io.bulwark.outbox.OpsServer.Metrics m) {
        int pending = 0;
        try (Stream<Path> s = Files.isDirectory(spool) ? Files.list(spool) : Stream.empty()) {
            pending = (int) s.filter(p -> !p.getFileName().toString().startsWith(".") && Files.exists(p.resolve("manifest.json"))
                    && !Files.exists(marker(p.getFileName().toString()))).count();
        } catch (IOException ignored) {
            // reported as 0
        }
        m.counter("bulwark_evidence_archived_total", "Incidents whose evidence was archived.", archived.get());
        m.counter("bulwark_evidence_archived_bytes_total", "Evidence bytes archived.", archivedBytes.get());
        m.counter("bulwark_evidence_conflicts_total", "Archived objects found with different bytes (tampering or a conflicting writer).", conflicts.get());
        m.counter("bulwark_evidence_failures_total", "Failed incident upload attempts (retried).", failures.get());
        m.gauge("bulwark_evidence_pending", "Finished captures in the spool not archived yet.", pending);
    }

    public boolean alive() {
        return running && System.nanoTime() - heartbeat < 120_000_000_000L + pollMillis * 1_000_000L;
    }

    public long conflicts() {
        return conflicts.get();
    }

    @Override
    public void close() {
        running = false;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }
}
