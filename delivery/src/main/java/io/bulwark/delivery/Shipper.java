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
 * Delivers the outbox: reads records from the cursor, hands them to every target, retries what
 * failed (only the failed entries, with exponential backoff and jitter) until every target took
 * every record, and moves the cursor past what every target took (which deletes delivered
 * segments). At least once: a crash between a target's acknowledgement and the cursor's move
 * sends those records again, with the same {@code detail.id}.
 *
 * <p><b>Pipelined.</b> Several calls are in flight per target ({@code window}, 4 by default; 1
 * for a FIFO queue, whose order must hold), and the next records are read while earlier ones are
 * still on the wire: the targets do not wait for each other, nor a batch for the one before. The
 * cursor moves only over a prefix of the outbox every target acknowledged: batches finish in any
 * order, the cursor follows them in the outbox's order (at most every {@link #COMMIT_MILLIS} ms
 * while records flow, at once when none is in flight).
 *
 * <p><b>Woken by appends.</b> The shipper watches the outbox directory (inotify through the
 * JDK's {@code WatchService}): a record the sensor appends wakes it at once, instead of at the
 * next poll. {@code pollMillis} remains the fallback when no watch can be set.
 *
 * <p>Nothing is dropped silently: an entry a target will never accept (the service says the entry
 * itself is wrong) and a record that is not an event envelope go to {@code dead-letter.jsonl} in
 * the outbox directory with the reason, and are counted; damaged outbox bytes are reported (log
 * line and {@code bulwark_outbox_damaged_total}) and skipped by the reader.
 */
public final class Shipper implements Runnable, AutoCloseable {
    /** Upper bounds of the delivery latency histogram, seconds. */
    static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    /** Calls in flight per target unless the target needs order. */
    public static final int DEFAULT_WINDOW = 4;
    /** While records flow, the cursor file is replaced (and forced) at most this often. */
    static final long COMMIT_MILLIS = 100;
    /** Records and bytes read ahead of the cursor, at most. */
    private static final int MAX_BATCHES = 16;
    private static final long MAX_INFLIGHT_BYTES = 256L << 10;

    private final OutboxReader reader;
    private final List<Target> targets;
    private final Overflow overflow;
    private final PrintStream log;
    private final long pollMillis;
    private final long backoffBaseMillis;
    private final long backoffCapMillis;
    private final int window;
    private final Map<String, Stats> stats = new LinkedHashMap<>();
    private final Map<Target, java.util.concurrent.ExecutorService> lanes = new java.util.IdentityHashMap<>();
    private final AtomicLong deadLetters = new AtomicLong();
    private final AtomicLong damaged = new AtomicLong();
    private final AtomicLong offloaded = new AtomicLong();
    private final AtomicLong wakeups = new AtomicLong();
    private final Object signal = new Object();
    private boolean signalled;
    private volatile long oldestPendingAt;
    private volatile long pendingBytes;
    private volatile long heartbeat = System.nanoTime();
    private volatile boolean running = true;
    private volatile Thread thread;
    private volatile java.nio.file.WatchService watch;

    static final class Stats {
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong retries = new AtomicLong();
        final AtomicLong failedCalls = new AtomicLong();
        final AtomicLongArray latency = new AtomicLongArray(BUCKETS.length + 1);
        final AtomicLong latencyCount = new AtomicLong();
        final AtomicLong latencyMicros = new AtomicLong();
        final java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();
        volatile String lastError;
    }

    /** Records read and handed to the targets, not yet acknowledged by all of them. */
    private static final class InFlight {
        final Record.Position next;
        final long bytes;
        final long firstAppendedAt;
        final java.util.concurrent.atomic.AtomicInteger callsLeft;
        volatile boolean done;

        InFlight(Record.Position next, long bytes, long firstAppendedAt, int calls) {
            this.next = next;
            this.bytes = bytes;
            this.firstAppendedAt = firstAppendedAt;
            this.callsLeft = new java.util.concurrent.atomic.AtomicInteger(calls);
            this.done = calls == 0;
        }
    }

    public Shipper(Path outbox, List<Target> targets, Overflow overflow, PrintStream log, long pollMillis, long backoffBaseMillis, long backoffCapMillis) {
        this(outbox, targets, overflow, log, pollMillis, backoffBaseMillis, backoffCapMillis, DEFAULT_WINDOW);
    }

    /** @param window calls in flight per target (a target that needs order, a FIFO queue, gets 1) */
    public Shipper(Path outbox, List<Target> targets, Overflow overflow, PrintStream log, long pollMillis, long backoffBaseMillis, long backoffCapMillis,
            int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1 call in flight per target: " + window);
        }
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
        this.window = window;
        for (Target t : this.targets) {
            stats.put(t.name(), new Stats());
            int threads = t.ordered() ? 1 : window;
            lanes.put(t, java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
                Thread th = new Thread(r, "bulwark-ship-" + t.name());
                th.setDaemon(true);
                return th;
            }));
        }
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        Thread watcher = startWatch();
        java.util.ArrayDeque<InFlight> inflight = new java.util.ArrayDeque<>();
        long inflightBytes = 0;
        try {
            Record.Position readAt = reader.cursor();
            Record.Position toCommit = null;
            long lastCommit = 0;
            long lastPending = 0;
            while (running) {
                heartbeat = System.nanoTime();
                // the cursor follows the batches every target took, in the outbox's order
                while (!inflight.isEmpty() && inflight.peekFirst().done) {
                    InFlight f = inflight.pollFirst();
                    inflightBytes -= f.bytes;
                    toCommit = f.next;
                }
                long now = System.currentTimeMillis();
                if (toCommit != null && (inflight.isEmpty() || now - lastCommit >= COMMIT_MILLIS)) {
                    reader.commit(toCommit);
                    toCommit = null;
                    lastCommit = now;
                }
                oldestPendingAt = inflight.isEmpty() ? 0 : inflight.peekFirst().firstAppendedAt;
                if (now - lastPending >= 250) {
                    pendingBytes = reader.pendingBytes(readAt) + inflightBytes;
                    lastPending = now;
                }
                if (inflight.size() >= MAX_BATCHES || inflightBytes >= MAX_INFLIGHT_BYTES) {
                    await(pollMillis); // a call's completion wakes us
                    continue;
                }
                OutboxReader.Batch batch = reader.read(readAt, 100, 128L << 10);
                if (batch.records().isEmpty() && batch.next().equals(readAt)) {
                    if (toCommit != null) {
                        continue; // commit what finished before sleeping
                    }
                    await(pollMillis);
                    continue;
                }
                InFlight f = dispatch(batch);
                if (!running) {
                    return; // interrupted mid-offload: sent again at the next start
                }
                inflight.addLast(f);
                inflightBytes += f.bytes;
                readAt = batch.next();
            }
            // stopping: keep what every target took (a call cut short is sent again at the next start)
            while (!inflight.isEmpty() && inflight.peekFirst().done) {
                toCommit = inflight.pollFirst().next;
            }
            if (toCommit != null) {
                reader.commit(toCommit);
            }
        } catch (IOException e) {
            log.println("bulwark ship: cannot read the outbox " + reader.dir() + ": " + e.getMessage());
            running = false;
        } catch (RuntimeException e) {
            log.println("bulwark ship: stopped by " + e);
            e.printStackTrace(log);
            running = false;
        } finally {
            if (watcher != null) {
                watcher.interrupt();
            }
        }
    }

    /** Wakes the loop: a call finished, or the outbox changed. */
    private void wake() {
        synchronized (signal) {
            signalled = true;
            signal.notifyAll();
        }
    }

    private void await(long ms) {
        synchronized (signal) {
            if (!signalled) {
                try {
                    signal.wait(Math.max(1, ms));
                } catch (InterruptedException e) {
                    running = false;
                    Thread.currentThread().interrupt();
                }
            }
            signalled = false;
        }
    }

    /** inotify on the outbox directory: the sensor's appends and new segments wake the loop. Null when no watch can be set. */
    private Thread startWatch() {
        try {
            java.nio.file.WatchService ws = reader.dir().getFileSystem().newWatchService();
            reader.dir().register(ws, java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE);
            watch = ws;
            Thread t = new Thread(() -> {
                try {
                    while (running) {
                        java.nio.file.WatchKey k = ws.take();
                        k.pollEvents();
                        wakeups.incrementAndGet();
                        wake();
                        if (!k.reset()) {
                            return; // the directory is gone: the fallback poll goes on
                        }
                    }
                } catch (InterruptedException | java.nio.file.ClosedWatchServiceException stop) {
                    // stopping
                }
            }, "bulwark-ship-watch");
            t.setDaemon(true);
            t.start();
            return t;
        } catch (IOException | UnsupportedOperationException e) {
            log.println("bulwark ship: cannot watch " + reader.dir() + " (" + e.getMessage() + "); polling it every " + pollMillis + " ms");
            return null;
        }
    }

    /** Parses and offloads one batch, then hands its calls to every target's lane; returns its in-flight record. */
    private InFlight dispatch(OutboxReader.Batch batch) throws IOException {
        List<Record> records = batch.records();
        List<Item> items = prepare(records);
        long bytes = 0;
        for (Record r : records) {
            bytes += r.payload().length;
        }
        List<Target> order = new ArrayList<>();
        List<List<Item>> chunks = new ArrayList<>();
        for (Target t : targets) {
            List<Item> pending = new ArrayList<>();
            for (Item it : items) {
                if (it.body() != null) {
                    pending.add(it);
                }
            }
            if (pending.isEmpty()) {
                continue;
            }
            for (List<Item> c : t.calls(pending)) {
                order.add(t);
                chunks.add(c);
            }
        }
        InFlight f = new InFlight(batch.next(), bytes, records.isEmpty() ? 0 : records.get(0).appendedAt(), chunks.size());
        for (int k = 0; k < chunks.size(); k++) {
            Target t = order.get(k);
            List<Item> c = chunks.get(k);
            try {
                lanes.get(t).execute(() -> {
                    if (deliver(t, c) && f.callsLeft.decrementAndGet() == 0) {
                        f.done = true;
                        wake();
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                running = false;
            }
        }
        return f;
    }

    private List<Item> prepare(List<Record> records) throws IOException {
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
        return items;
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

    /**
     * One call's items to {@code t} until it took them all (retrying only the failed entries); false
     * when the shipper stopped first. A target that fails whole calls is logged once when it goes
     * down and once when it answers again, whatever the number of calls in flight.
     */
    private boolean deliver(Target t, List<Item> items) {
        Stats s = stats.get(t.name());
        List<Item> pending = items;
        int attempt = 0;
        try {
            while (!pending.isEmpty()) {
                if (!running) {
                    return false;
                }
                heartbeat = System.nanoTime();
                List<Target.Failure> failed;
                try {
                    failed = t.call(pending);
                } catch (Exception e) {
                    s.failedCalls.incrementAndGet();
                    s.retries.addAndGet(pending.size());
                    s.lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
                    attempt++;
                    if (s.down.compareAndSet(false, true) || attempt % 10 == 0) {
                        log.println("bulwark ship: " + t.name() + " unreachable (attempt " + attempt + ", " + pending.size()
                                + " waiting in this call): " + s.lastError);
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
                if (s.down.compareAndSet(true, false)) {
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
            return true;
        } catch (IOException e) {
            log.println("bulwark ship: cannot write the dead-letter file in " + reader.dir() + ": " + e.getMessage() + "; stopping");
            running = false;
            wake();
            return false;
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
        m.counter("bulwark_ship_wakeups_total", "Times the outbox directory's watch (inotify) woke the shipper", wakeups.get());
        m.gauge("bulwark_delivery_window", "Calls in flight per target, at most (1 for a FIFO queue)", window);
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
        for (java.util.concurrent.ExecutorService lane : lanes.values()) {
            lane.shutdownNow();
        }
        java.nio.file.WatchService w = watch;
        if (w != null) {
            try {
                w.close();
            } catch (IOException ignored) {
                // stopping
            }
        }
        wake();
    }
}
