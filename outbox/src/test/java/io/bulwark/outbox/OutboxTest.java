package io.bulwark.outbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxTest {
    @TempDir
    Path dir;

    private static byte[] json(int i) {
        return ("{\"detail\":{\"id\":\"a-" + i + "\",\"n\":" + i + "}}").getBytes(StandardCharsets.UTF_8);
    }

    private static List<Record> drain(OutboxReader r) throws Exception {
        List<Record> all = new ArrayList<>();
        Record.Position p = r.cursor();
        while (true) {
            OutboxReader.Batch b = r.read(p, 7, 1 << 20);
            all.addAll(b.records());
            if (b.next().equals(p)) {
                return all;
            }
            p = b.next();
            r.commit(p);
        }
    }

    @Test
    void recordsComeBackInOrderAcrossSegmentsAndDeliveredSegmentsAreDeleted() throws Exception {
        try (OutboxWriter w = new OutboxWriter(dir, 1024, 1 << 20, 10, null)) {
            for (int i = 0; i < 100; i++) {
                assertTrue(w.append(Rank.WARNING, "a-" + i, json(i)));
            }
        }
        assertTrue(Segments.list(dir).size() > 3, "small segments roll");
        List<Record> got = drain(new OutboxReader(dir, null, 100));
        assertEquals(100, got.size());
        for (int i = 0; i < 100; i++) {
            assertEquals("a-" + i, got.get(i).id());
            assertArrayEquals(json(i), got.get(i).payload());
            assertEquals(Rank.WARNING, got.get(i).rank());
        }
        assertEquals(1, Segments.list(dir).size(), "only the last segment is kept");
    }

    @Test
    void aRestartedReaderResumesAtItsCursorAndAWriterNeverReusesASegment() throws Exception {
        try (OutboxWriter w = new OutboxWriter(dir, 1 << 20, 1 << 22, 10, null)) {
            for (int i = 0; i < 10; i++) {
                w.append(Rank.ERROR, "a-" + i, json(i));
            }
        }
        OutboxReader r = new OutboxReader(dir, null, 100);
        OutboxReader.Batch b = r.read(r.cursor(), 4, 1 << 20);
        r.commit(b.next());
        try (OutboxWriter w = new OutboxWriter(dir, 1 << 20, 1 << 22, 10, null)) {
            w.append(Rank.ERROR, "a-10", json(10));
        }
        assertEquals(2, Segments.list(dir).size(), "the second writer opened a segment of its own");
        List<Record> rest = drain(new OutboxReader(dir, null, 100));
        assertEquals(7, rest.size());
        assertEquals("a-4", rest.get(0).id());
        assertEquals("a-10", rest.get(6).id());
    }

    @Test
    void aDamagedRecordIsReportedAndSkippedAndTheRestIsDelivered() throws Exception {
        try (OutboxWriter w = new OutboxWriter(dir, 1 << 20, 1 << 22, 10, null)) {
            for (int i = 0; i < 20; i++) {
                w.append(Rank.CRITICAL, "a-" + i, json(i));
            }
        }
        Path seg = Segments.path(dir, Segments.list(dir).get(0));
        OutboxReader clean = new OutboxReader(dir, null, 0);
        List<Record> before = clean.read(clean.cursor(), 100, 1 << 20).records();
        long fifth = before.get(5).position().offset();
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
            f.seek(fifth + 20); // inside record 5's body
            f.write(new byte[] {'X', 'X', 'X'});
            f.seek(before.get(9).position().offset()); // record 9's magic
            f.write(new byte[] {0, 0, 0, 0});
        }
        List<String> reports = new ArrayList<>();
        List<Record> got = drain(new OutboxReader(dir, (s, o, b, why) -> reports.add(s.getFileName() + "@" + o + " " + why), 0));
        assertEquals(18, got.size());
        assertFalse(got.stream().anyMatch(r -> r.id().equals("a-5") || r.id().equals("a-9")));
        assertEquals(2, reports.size(), reports.toString());
        assertTrue(reports.get(0).contains("@" + fifth + " record checksum mismatch"), reports.get(0));
        assertTrue(reports.get(1).contains("bad record magic"), reports.get(1));
    }

    @Test
    void aTornTailOfACrashedWriterIsSkippedOnceALaterSegmentExists() throws Exception {
        try (OutboxWriter w = new OutboxWriter(dir, 1 << 20, 1 << 22, 10, null)) {
            for (int i = 0; i < 3; i++) {
                w.append(Rank.ERROR, "a-" + i, json(i));
            }
        }
        Path seg = Segments.path(dir, 1);
        long size = Files.size(seg);
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
            f.setLength(size - 5);
        }
        List<String> reports = new ArrayList<>();
        OutboxReader r = new OutboxReader(dir, (s, o, b, why) -> reports.add(why), 60_000);
        OutboxReader.Batch b = r.read(r.cursor(), 100, 1 << 20);
        assertEquals(2, b.records().size(), "the torn record of the last segment is waited for");
        assertTrue(reports.isEmpty());
        try (OutboxWriter w = new OutboxWriter(dir, 1 << 20, 1 << 22, 10, null)) {
            w.append(Rank.ERROR, "a-3", json(3));
        }
        OutboxReader.Batch b2 = r.read(b.next(), 100, 1 << 20);
        assertEquals(List.of("a-3"), b2.records().stream().map(Record::id).toList());
        assertEquals(1, reports.size());
    }

    @Test
    void aFullOutboxRefusesTheLeastImportantFirstAndNeverCritical() throws Exception {
        List<Integer> told = new ArrayList<>();
        byte[] big = new byte[1000];
        try (OutboxWriter w = new OutboxWriter(dir, 4096, 20_000, 10, (rank, used, cap) -> told.add(rank))) {
            int i = 0;
            while (w.append(Rank.INFO, "i-" + i, big)) {
                i++;
            }
            assertTrue(w.usedBytes() <= 17_000, "INFO stops at 85%: " + w.usedBytes());
            assertTrue(w.append(Rank.WARNING, "w", big), "WARNING still fits");
            while (w.append(Rank.ERROR, "e-" + i, big)) {
                i++;
            }
            assertFalse(w.append(Rank.WARNING, "w2", big));
            for (int k = 0; k < 10; k++) {
                assertTrue(w.append(Rank.CRITICAL, "c-" + k, big), "CRITICAL is never refused");
            }
            assertTrue(w.usedBytes() > 20_000);
            assertEquals(1, w.refused(Rank.INFO));
            assertEquals(1, w.refused(Rank.WARNING));
            assertEquals(1, w.refused(Rank.ERROR));
            assertEquals(0, w.refused(Rank.CRITICAL));
            assertEquals(List.of(Rank.INFO, Rank.ERROR, Rank.WARNING), told);
        }
    }
}
