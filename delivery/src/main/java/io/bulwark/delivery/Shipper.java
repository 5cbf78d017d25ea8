package io.bulwark.delivery;

import io.bulwark.contract.Json;
import io.bulwark.outbox.OpsServer;
import io.bulwark.outbox.OutboxReader;
import io.bulwark.outbox.Record;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Delivers the outbox: reads records from the cursor, hands each batch to every target, retries
 * what failed (only the failed entries, with exponential backoff and jitter) until every target
 * took every record, then moves the cursor past the batch (which deletes delivered segments).
 * At least once: a crash between a target's acknowledgement and the cursor's move sends those
 * records again, with the same {@code detail.id}.
 *
 * <p>Nothing is dropped silently: an entry a target will never accept (the service says the entry
 * itself is wrong) and a record that is not an event envelope go to {@code dead-letter.jsonl} in
 * the outbox directory with the reason, and are counted; damaged outbox bytes are reported and
 * skipped by the reader.
 */
public final class Shipper implements Runnable, AutoCloseable {
    /** Upper bounds of the delivery latency histogram, seconds. */
    static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    private final OutboxReader reader;
    private final List<Target> targets;
    private final Overflow overflow;
    private final PrintStream log;
    private final long pollMillis;
    private final long backoffBaseMillis;
    private final long backoffCapMillis;
    private final Map<String, Stats> stats = new LinkedHashMap<>();
    private final AtomicLong deadLetters = new AtomicLong();
    private final AtomicLong damaged = new AtomicLong();
    private final AtomicLong offloaded = new AtomicLong();
    private volatile long oldestPendingAt;
    private volatile long pendingBytes;
    private volatile long heartbeat = System.nanoTime();
    private volatile boolean running = true;
    private volatile Thread thread;
    /** The calls of a batch run side by side: 8 threads, two targets' worth of 10-entry calls for a 40-record batch in one round. */
    private final java.util.concurrent.ExecutorService calls = java.util.concurrent.Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "bulwark-ship-call");
        t.setDaemon(true);
        return t;
    });

    static final class Stats {
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong retries = new AtomicLong();
        final AtomicLong failedCalls = new AtomicLong();
        final AtomicLongArray latency = new AtomicLongArray(BUCKETS.length + 1);
        final AtomicLong latencyCount = new AtomicLong();
        final AtomicLong latencyMicros = new AtomicLong();
        volatile String lastError;
    }

    public Shipper(Path outbox, List<Target> targets, Overflow overflow, PrintStream log, long pollMillis, long backoffBaseMillis, long backoffCapMillis) {
        this.log = log;
        this.reader = new OutboxReader(outbox, (seg, off, bytes, why) -> {
            damaged.incrementAndGet();
            log.println("bulwark ship: DAMAGED outbox bytes skipped: " + seg + " at offset " + off + " (" + bytes + " bytes): " + why);
        }, 2000);
        this.targets = List.copyOf(targets);
        this.overflow = overflow;
        this.pollMillis = pollMillis;
        this.backoffBaseMillis = backoffBaseMillis;
        this.backoffCapMillis = backoffCapMillis;
        for (Target t : targets) {
            stats.put(t.name(), new Stats());
        }
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        try {
            Record.Position cursor = reader.cursor();
            while (running) {
                heartbeat = System.nanoTime();
                OutboxReader.Batch batch = reader.read(cursor, 100, 4L << 20);
                pendingBytes = reader.pendingBytes(cursor);
                if (batch.records().isEmpty()) {
                    oldestPendingAt = 0;
                    if (!batch.next().equals(cursor)) {
                        cursor = batch.next(); // damage skipped
                        reader.commit(cursor);
                        continue;
                    }
                    sleep(pollMillis);
                    continue;
                }
                oldestPendingAt = batch.records().get(0).appendedAt();
                ship(batch.records());
                if (!running) {
                    return; // interrupted mid-batch: it is sent again at the next start
                }
                cursor = batch.next();
                reader.commit(cursor);
            }
        } catch (IOException e) {
            log.println("bulwark ship: cannot read the outbox " + reader.dir() + ": " + e.getMessage());
            running = false;
        } catch (RuntimeException e) {
            log.println("bulwark ship: stopped by " + e);
            e.printStackTrace(log);
            running = false;
        }
    }

    /** One batch to every target; returns when all took it (or the shipper is stopping). */
    void ship(List<Record> records) throws IOException {
        List<Item> items = new ArrayList<>(records.size());
        for (Record r : records) {
            try {
                items.add(Item.of(r));
            } catch (IOException e) {
                deadLetter(null, "Unparsable", e.getMessage(), r.id(), new String(r.payload(), StandardCharsets.UTF_8));
            }
        }
        int limit = Integer.MAX_VALUE;
        for (Target t : targets) {
            limit = Math.min(limit, t.maxItemBytes());
        }
        for (Item it : items) {
            if (it.body().getBytes(StandardCharsets.UTF_8).length > limit) {
                offload(it);
            }
        }
        if (targets.size() == 1) {
            deliver(targets.get(0), items);
            return;
        }
        // the targets side by side: a slow or unreachable one does not hold the others' latency
        List<java.util.concurrent.Future<?>> running = new ArrayList<>();
        for (Target t : targets) {
            running.add(calls.submit(() -> {
                deliver(t, items);
                return null;
            }));
        }
        for (java.util.concurrent.Future<?> f : running) {
            try {
                f.get();
            } catch (InterruptedException e) {
                this.running = false;
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    /** One attempt: the calls side by side; a call that throws fails all its items as one Failure each. */
    private List<Target.Failure> attempt(Target t, List<Item> pending) throws Exception {
        List<List<Item>> chunks = t.calls(pending);
        if (chunks.size() == 1) {
            return t.call(chunks.get(0));
        }
        List<java.util.concurrent.Future<List<Target.Failure>>> futures = new ArrayList<>();
        for (List<Item> c : chunks) {
            futures.add(calls.submit(() -> t.call(c)));
        }
        List<Target.Failure> failed = new ArrayList<>();
        Exception whole = null;
        int wholeFailed = 0;
        for (int k = 0; k < futures.size(); k++) {
            try {
                failed.addAll(futures.get(k).get());
            } catch (java.util.concurrent.ExecutionException e) {
                Exception cause = e.getCause() instanceof Exception x ? x : new RuntimeException(e.getCause());
                whole = cause;
                wholeFailed++;
                for (Item it : chunks.get(k)) {
                    failed.add(new Target.Failure(it, cause.getClass().getSimpleName(), String.valueOf(cause.getMessage()), true));
                }
            }
        }
        if (whole != null && wholeFailed == chunks.size()) {
            throw whole; // nothing got through: the target is down
        }
        return failed;
    }

    private void offload(Item it) throws IOException {
        if (overflow == null) {
            deadLetter("overflow", "TooLarge", "over the targets' size limit and no bucket is configured (--bucket)", it.id(), it.body());
            it.body = null;
            return;
        }
        int attempt = 0;
        while (running) {
            try {
                overflow.offload(it);
                offloaded.incrementAndGet();
                return;
            } catch (RuntimeException e) {
                log.println("bulwark ship: s3 offload of " + it.id() + " failed (attempt " + (++attempt) + "): " + e.getMessage());
                sleep(backoff(attempt));
            }
        }
    }

    private void deliver(Target t, List<Item> items) throws IOException {
        Stats s = stats.get(t.name());
        List<Item> pending = new ArrayList<>();
        for (Item it : items) {
            if (it.body() != null) {
                pending.add(it);
            }
        }
        int attempt = 0;
        while (!pending.isEmpty() && running) {
            heartbeat = System.nanoTime();
            List<Target.Failure> failed;
            try {
                failed = attempt(t, pending);
            } catch (Exception e) {
                s.failedCalls.incrementAndGet();
                s.retries.addAndGet(pending.size());
                s.lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
                attempt++;
                if (attempt == 1 || attempt % 10 == 0) {
                    log.println("bulwark ship: " + t.name() + " unreachable (attempt " + attempt + ", " + pending.size()
                            + " waiting): " + s.lastError);
                }
                sleep(backoff(attempt));
                continue;
            }
            List<Item> retry = new ArrayList<>();
            java.util.Set<Item> notTaken = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (Target.Failure f : failed) {
                notTaken.add(f.item());
                if (f.retryable()) {
                    retry.add(f.item());
                } else {
                    deadLetter(t.name(), f.code(), f.message(), f.item().id(), f.item().body());
                }
            }
            long now = System.currentTimeMillis();
            for (Item it : pending) {
                if (!notTaken.contains(it)) {
                    s.delivered.incrementAndGet();
                    observe(s, (now - it.appendedAt()) / 1000.0);
                }
            }
            if (attempt > 0 && retry.isEmpty()) {
                log.println("bulwark ship: " + t.name() + " reachable again; delivered after " + attempt + " attempts");
            }
            if (!retry.isEmpty()) {
                s.retries.addAndGet(retry.size());
                s.lastError = failed.get(0).code() + ": " + failed.get(0).message();
                attempt++;
                sleep(backoff(attempt));
            }
            pending = retry;
        }
    }

    private static void observe(Stats s, double seconds) {
        int b = 0;
        while (b < BUCKETS.length && seconds > BUCKETS[b]) {
            b++;
        }
        s.latency.incrementAndGet(b);
        s.latencyCount.incrementAndGet();
        s.latencyMicros.addAndGet((long) (seconds * 1e6));
    }

    /** Exponential with equal jitter: half the step fixed, half random. */
    long backoff(int attempt) {
        long step = Math.min(backoffCapMillis, backoffBaseMillis << Math.min(20, Math.max(0, attempt - 1)));
        return step / 2 + ThreadLocalRandom.current().nextLong(step / 2 + 1);
    }

    private synchronized void deadLetter(String target, String code, String message, String id, String body) throws IOException {
        deadLetters.incrementAndGet();
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.now().toString());
        line.put("target", target);
        line.put("id", id);
        line.put("code", code);
        line.put("message", message);
        line.put("envelope", body);
        Files.writeString(reader.dir().resolve("dead-letter.jsonl"), Json.line(line) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        log.println("bulwark ship: DEAD LETTER " + id + (target == null ? "" : " refused by " + target) + ": " + code + ": " + message
                + " (kept in " + reader.dir().resolve("dead-letter.jsonl") + ")");
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            running = false;
            Thread.currentThread().interrupt();
        }
    }

    public boolean alive() {
        return running && System.nanoTime() - heartbeat < 120_000_000_000L;
    }

    public long delivered(String target) {
        return stats.get(target).delivered.get();
    }

    public long retries(String target) {
        return stats.get(target).retries.get();
    }

    public long deadLetters() {
        return deadLetters.get();
    }

    public long damaged() {
        return damaged.get();
    }

    public long offloaded() {
        return offloaded.get();
    }

    /** Writes this shipper's metrics. */
    public void metrics(OpsServer.Metrics m) {
        m.gauge("bulwark_outbox_pending_bytes", "Outbox bytes not yet delivered to every target", pendingBytes);
        long oldest = oldestPendingAt;
        m.gauge("bulwark_outbox_oldest_age_seconds", "Age of the oldest record not yet delivered everywhere (0 when none)",
                oldest == 0 ? 0 : Math.max(0, System.currentTimeMillis() - oldest) / 1000.0);
        m.counter("bulwark_outbox_damaged_total", "Damaged outbox stretches reported and skipped", damaged.get());
        m.counter("bulwark_delivery_dead_letter_total", "Records a target will never take, kept in dead-letter.jsonl", deadLetters.get());
        m.counter("bulwark_delivery_offloaded_total", "Envelopes over a target's size limit, written to S3 and sent as pointers", offloaded.get());
        for (Map.Entry<String, Stats> e : stats.entrySet()) {
            Stats s = e.getValue();
            m.counter("bulwark_delivery_delivered_total", "Records a target acknowledged", s.delivered.get(), "target", e.getKey());
            m.counter("bulwark_delivery_retries_total", "Records sent again after a failure", s.retries.get(), "target", e.getKey());
            m.counter("bulwark_delivery_failed_calls_total", "Calls that failed as a whole (network, service)", s.failedCalls.get(), "target", e.getKey());
            long cum = 0;
            for (int b = 0; b <= BUCKETS.length; b++) {
                cum += s.latency.get(b);
                m.sample("bulwark_delivery_latency_seconds_bucket", "histogram", "From the sensor's append to the target's acknowledgement",
                        cum, "target", e.getKey(), "le", b < BUCKETS.length ? Double.toString(BUCKETS[b]) : "+Inf");
            }
            m.sample("bulwark_delivery_latency_seconds_count", "histogram", "From the sensor's append to the target's acknowledgement",
                    s.latencyCount.get(), "target", e.getKey());
            m.sample("bulwark_delivery_latency_seconds_sum", "histogram", "From the sensor's append to the target's acknowledgement",
                    s.latencyMicros.get() / 1e6, "target", e.getKey());
        }
    }

    @Override
    public void close() {
        running = false;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
        calls.shutdownNow();
    }
}
