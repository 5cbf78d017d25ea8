package io.bulwark.stack;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The alerts archive for Athena: alert envelopes as JSON lines, one object per day and batch at
 * {@code alerts/dt=yyyy-mm-dd/<first alert time>-<first id>-<count>.jsonl}, never overwritten; and the
 * same for incidents ({@link #incidents}: every published version of an incident, at
 * {@code incidents/dt=yyyy-mm-dd/<version time>-<incident id>-v<version>-<count>.jsonl}). The
 * bus target only queues (as EventBridge invokes its targets after PutEvents answered); a worker
 * writes a batch every second or 500 alerts, so the archive does not cost one S3 request per alert.
 * A full queue fails the bus entry (the shipper retries it); a failed write is retried.
 */
final class AlertArchive implements AutoCloseable {
    private final S3Client s3;
    private final String bucket;
    private final PrintStream log;
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(20_000);
    private final Thread worker;
    private volatile boolean running = true;
    private volatile long written;
    private final String prefix;
    private final java.util.function.Function<JsonNode, String> timeOf;
    private final java.util.function.Function<JsonNode, String> idOf;

    AlertArchive(S3Client s3, String bucket, PrintStream log) {
        this(s3, bucket, log, "alerts", n -> n.path("detail").path("time").asText(n.path("time").asText(Instant.now().toString())),
                n -> n.path("detail").path("id").asText(n.path("id").asText()));
    }

    /** The incidents archive: every version the triage published, by the day it was written. */
    static AlertArchive incidents(S3Client s3, String bucket, PrintStream log) {
        return new AlertArchive(s3, bucket, log, "incidents", n -> n.path("detail").path("updated").asText(n.path("time").asText(Instant.now().toString())),
                n -> n.path("detail").path("id").asText(n.path("id").asText()) + "-v" + n.path("detail").path("version").asLong());
    }

    private AlertArchive(S3Client s3, String bucket, PrintStream log, String prefix, java.util.function.Function<JsonNode, String> timeOf,
                         java.util.function.Function<JsonNode, String> idOf) {
        this.s3 = s3;
        this.bucket = bucket;
        this.log = log;
        this.prefix = prefix;
        this.timeOf = timeOf;
        this.idOf = idOf;
        worker = new Thread(this::loop, "bulwark-" + prefix + "-archive");
        worker.setDaemon(true);
        worker.start();
    }

    void accept(String envelope) {
        if (!queue.offer(envelope)) {
            throw new IllegalStateException("the " + prefix + " archive is 20,000 events behind");
        }
    }

    long written() {
        return written;
    }

    private void loop() {
        List<String> batch = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            try {
                String first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                long until = System.nanoTime() + 1_000_000_000L;
                while (batch.size() < 500 && System.nanoTime() < until) {
                    String next = queue.poll(until - System.nanoTime(), TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                write(batch);
                batch.clear();
            } catch (InterruptedException e) {
                running = false;
            }
        }
    }

    private void write(List<String> batch) throws InterruptedException {
        Map<String, StringBuilder> byDay = new LinkedHashMap<>();
        Map<String, String> firstOfDay = new LinkedHashMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String env : batch) {
            JsonNode n = LocalStack.tree(env);
            String time = timeOf.apply(n);
            String day = time.length() >= 10 ? time.substring(0, 10) : Instant.now().toString().substring(0, 10);
            byDay.computeIfAbsent(day, d -> new StringBuilder()).append(env).append('\n');
            firstOfDay.putIfAbsent(day, time.replace(":", "") + "-" + idOf.apply(n));
            counts.merge(day, 1, Integer::sum);
        }
        for (Map.Entry<String, StringBuilder> e : byDay.entrySet()) {
            String key = prefix + "/dt=" + e.getKey() + "/" + firstOfDay.get(e.getKey()) + "-" + counts.get(e.getKey()) + ".jsonl";
            for (int attempt = 1; ; attempt++) {
                try {
                    s3.putObject(b -> b.bucket(bucket).key(key).contentType("application/x-ndjson").ifNoneMatch("*"),
                            RequestBody.fromString(e.getValue().toString(), StandardCharsets.UTF_8));
                    written += counts.get(e.getKey());
                    break;
                } catch (S3Exception x) {
                    if (x.statusCode() == 412) {
                        break; // written by an earlier attempt
                    }
                    log.println("bulwark stack: " + prefix + " archive write " + key + " failed (attempt " + attempt + "): " + x.getMessage());
                    Thread.sleep(Math.min(10_000, 200L * attempt));
                } catch (RuntimeException x) {
                    log.println("bulwark stack: " + prefix + " archive write " + key + " failed (attempt " + attempt + "): " + x);
                    Thread.sleep(Math.min(10_000, 200L * attempt));
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            worker.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
