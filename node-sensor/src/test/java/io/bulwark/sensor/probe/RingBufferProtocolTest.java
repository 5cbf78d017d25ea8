package io.bulwark.sensor.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ring-buffer reader's side of the kernel's protocol (kernel/bpf/ringbuf.c), driven through a
 * ring in memory with the producer's moves: records in order and whole, a record the kernel is
 * still writing stops the reader until it is committed, discarded records are skipped and not
 * counted, space is freed as records are read, and a full ring refuses a record instead of
 * overwriting one. (The same reader on the kernel's ring is covered by every sensor test.)
 */
class RingBufferProtocolTest {

    private static ByteBuffer record(int len, int tag) {
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < len; i++) {
            b.put(i, (byte) (tag + i));
        }
        return b;
    }

    /** What the reader handed over: tag (first byte) and length of each record, checking every byte. */
    private static RingBuffer.Handler into(List<int[]> seen) {
        return (data, off, len) -> {
            int tag = data.get(off);
            for (int i = 0; i < len; i++) {
                assertEquals((byte) (tag + i), data.get(off + i), "byte " + i + " of record " + tag);
            }
            seen.add(new int[] {tag, len});
        };
    }

    @Test
    void recordsArriveWholeAndInOrderAcrossTheWrap() {
        try (RingBuffer ring = RingBuffer.inMemory(4096)) {
            List<int[]> seen = new ArrayList<>();
            int tag = 0;
            for (int round = 0; round < 50; round++) { // 50 x ~700 bytes through 4 KiB: wraps many times
                for (int k = 0; k < 3; k++) {
                    int len = 192 + (tag * 37) % 577;
                    assertTrue(ring.offer(record(len, tag), len), "record " + tag + " fits");
                    tag++;
                }
                ring.consume(into(seen));
            }
            assertEquals(150, seen.size());
            for (int i = 0; i < seen.size(); i++) {
                assertEquals((byte) i, (byte) seen.get(i)[0], "order");
                assertEquals(192 + (i * 37) % 577, seen.get(i)[1], "length of record " + i);
            }
            assertEquals(150, ring.received());
            long bytes = 0;
            for (int[] s : seen) {
                bytes += (s[1] + 8 + 7) & ~7;
            }
            assertEquals(bytes, ring.receivedBytes(), "received_bytes counts headers and padding");
            assertEquals(0, ring.pending());
        }
    }

    @Test
    void aRecordStillBeingWrittenStopsTheReaderUntilCommitted() {
        try (RingBuffer ring = RingBuffer.inMemory(4096)) {
            List<int[]> seen = new ArrayList<>();
            ring.offer(record(200, 1), 200);
            ring.offer(record(200, 2), 200, RingBuffer.OFFER_BUSY);
            ring.offer(record(200, 3), 200);
            assertEquals(1, ring.consume(into(seen)), "stops at the busy record");
            assertEquals(1, seen.size());
            assertEquals(1, ring.consume(into(seen)) + 1, "still stopped");
            ring.commit();
            assertEquals(2, ring.consume(into(seen)));
            assertEquals(List.of(1, 2, 3), seen.stream().map(s -> s[0]).toList());
        }
    }

    @Test
    void discardedRecordsAreSkippedAndNotCounted() {
        try (RingBuffer ring = RingBuffer.inMemory(4096)) {
            List<int[]> seen = new ArrayList<>();
            ring.offer(record(200, 1), 200);
            ring.offer(record(300, 2), 300, RingBuffer.OFFER_DISCARDED);
            ring.offer(record(200, 3), 200);
            assertEquals(2, ring.consume(into(seen)));
            assertEquals(List.of(1, 3), seen.stream().map(s -> s[0]).toList());
            assertEquals(2, ring.received());
            assertEquals(0, ring.pending(), "the discarded record's space is freed too");
        }
    }

    @Test
    void aFullRingRefusesARecordAndReadingFreesSpace() {
        try (RingBuffer ring = RingBuffer.inMemory(4096)) {
            int n = 0;
            while (ring.offer(record(500, n), 500)) {
                n++;
            }
            assertEquals(4096 / 512, n, "508-byte slots (500 + header, padded) in 4 KiB");
            List<int[]> seen = new ArrayList<>();
            assertEquals(n, ring.consume(into(seen)), "the records written before the refusal are intact");
            assertTrue(ring.offer(record(500, 99), 500), "space is back once read");
            assertFalse(ring.offer(record(4000, 100), 4000), "a record larger than the free space is refused");
        }
    }

    @Test
    void theKernelsRingIsNotWrittenFromJava() {
        assertThrows(IllegalArgumentException.class, () -> RingBuffer.inMemory(3000));
    }
}
