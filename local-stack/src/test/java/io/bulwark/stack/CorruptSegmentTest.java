package io.bulwark.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.outbox.OutboxReader;
import io.bulwark.outbox.OutboxWriter;
import io.bulwark.outbox.Rank;
import io.bulwark.outbox.Record;
import io.bulwark.outbox.Segments;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A corrupt outbox, end to end: the local stack's shipper (not only the segment reader) meets a
 * segment with one damaged record and a segment overwritten with zeros (a disk that lost a
 * block), reports each (log line naming the segment and offset, {@code bulwark_outbox_damaged_total}
 * on its /metrics), skips it, and delivers every other record to the real ElasticMQ; what the
 * sensor appends afterwards is delivered too.
 */
@Tag("servers")
class CorruptSegmentTest {
    @TempDir
    Path dir;

    @Test
    void theShipperReportsAndSkipsACorruptSegmentAndDeliversTheRestToElasticMq() throws Exception {
        Path outbox = dir.resolve("outbox");
        // 60 alerts of ≈1 KiB in segments of 8 KiB: about 8 segments
        try (OutboxWriter w = new OutboxWriter(outbox, 8 << 10, 64 << 20, 10, null)) {
            for (int i = 0; i < 60; i++) {
                String id = "corrupt-test-" + i;
                w.append(Rank.CRITICAL, id, LocalPipelineTest.alert(id, "x".repeat(700)).getBytes(StandardCharsets.UTF_8));
            }
        }
        List<Long> segs = Segments.list(outbox);
        assertTrue(segs.size() >= 6, "several segments: " + segs);
        List<Record> all = new ArrayList<>();
        OutboxReader clean = new OutboxReader(outbox, null, 0);
        Record.Position p = clean.cursor();
        while (true) {
            OutboxReader.Batch b = clean.read(p, 1000, 1L << 30);
            if (b.records().isEmpty()) {
                break;
            }
            all.addAll(b.records());
            p = b.next();
        }
        assertEquals(60, all.size());
        long damagedSeg = segs.get(1);
        long zeroedSeg = segs.get(3);
        Set<String> lost = new TreeSet<>();
        Record victim = all.stream().filter(r -> r.position().segment() == damagedSeg).skip(1).findFirst().orElseThrow();
        lost.add(victim.id());
        all.stream().filter(r -> r.position().segment() == zeroedSeg).forEach(r -> lost.add(r.id()));
        try (RandomAccessFile f = new RandomAccessFile(Segments.path(outbox, damagedSeg).toFile(), "rw")) {
            f.seek(victim.position().offset() + 40); // inside the record's body: its CRC no longer matches
            f.write("DAMAGE".getBytes(StandardCharsets.US_ASCII));
        }
        Path zeroed = Segments.path(outbox, zeroedSeg);
        long zeroedSize = Files.size(zeroed);
        Files.write(zeroed, new byte[(int) zeroedSize]);

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int metricsPort = StackFixture.freePort();
        try (LocalStack s = StackFixture.start(dir, false, new PrintStream(log, true), metricsPort)) {
            Set<String> expected = new TreeSet<>();
            all.stream().map(Record::id).filter(id -> !lost.contains(id)).forEach(expected::add);
            Set<String> got = new TreeSet<>(LocalPipelineTest.receive(s, expected.size(), 30_000).keySet());
            assertEquals(expected, got, "every record but the damaged ones reached ElasticMQ; log:\n" + log);

            // the sensor goes on appending (a new writer starts a segment of its own): delivered as well
            try (OutboxWriter w = new OutboxWriter(outbox, 8 << 10, 64 << 20, 10, null)) {
                for (int i = 0; i < 5; i++) {
                    String id = "corrupt-test-after-" + i;
                    w.append(Rank.CRITICAL, id, LocalPipelineTest.alert(id, "after").getBytes(StandardCharsets.UTF_8));
                }
            }
            Set<String> after = new TreeSet<>(LocalPipelineTest.receive(s, 5, 20_000).keySet());
            assertEquals(Set.of("corrupt-test-after-0", "corrupt-test-after-1", "corrupt-test-after-2", "corrupt-test-after-3",
                    "corrupt-test-after-4"), after, "log:\n" + log);

            String text = log.toString(StandardCharsets.UTF_8);
            assertTrue(text.contains("DAMAGED outbox bytes skipped: " + Segments.path(outbox, damagedSeg) + " at offset "
                    + victim.position().offset() + " ") && text.contains("record checksum mismatch"), text);
            assertTrue(text.contains("DAMAGED outbox bytes skipped: " + zeroed + " at offset 0 (" + zeroedSize + " bytes): bad record magic"),
                    text);
            HttpResponse<String> metrics = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(metrics.body().contains("\nbulwark_outbox_damaged_total 2"), metrics.body());
            assertTrue(metrics.body().contains("bulwark_delivery_delivered_total{target=\"sqs\"} " + (expected.size() + 5)), metrics.body());
            // skipped, not stuck: the cursor passed the damage and the delivered segments are gone
            long deadline = System.currentTimeMillis() + 10_000;
            while (Segments.list(outbox).contains(zeroedSeg) && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(!Segments.list(outbox).contains(damagedSeg) && !Segments.list(outbox).contains(zeroedSeg),
                    "the damaged segments were passed and deleted: " + Segments.list(outbox));
        }
    }
}
