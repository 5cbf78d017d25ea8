package io.bulwark.outbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The shipper's side of the outbox: reads records in order from a position, keeps the position
 * of the first record not yet delivered everywhere (the {@code cursor} file) and deletes the
 * segments before it.
 *
 * <p>Damage is reported, never fatal: a record whose magic, length or CRC is wrong is reported
 * to the {@link Damage} listener with its segment and offset, and reading resumes at the next
 * whole record (found by its magic and a valid CRC). A torn tail in a segment a later segment
 * follows (a writer that crashed mid-write) is reported and skipped the same way. In the last
 * segment, which the sensor may still be writing, an incomplete record at the end is waited for;
 * it is judged damaged only when it is still incomplete after {@code tornAfterMillis}.
 */
public final class OutboxReader {

    /** Told about every damaged stretch skipped. */
    public interface Damage {
        void skipped(Path segment, long offset, long bytes, String reason);
    }

    /** What one read returned: the records, and where the next read starts. */
    public record Batch(List<Record> records, Record.Position next) {}

    private final Path dir;
    private final Damage damage;
    private final long tornAfterMillis;
    private Record.Position suspect;
    private long suspectSince;

    public OutboxReader(Path dir, Damage damage, long tornAfterMillis) {
        this.dir = dir;
        this.damage = damage == null ? (s, o, b, r) -> { } : damage;
        this.tornAfterMillis = tornAfterMillis;
    }

    public Path dir() {
        return dir;
    }

    /** The saved cursor, or the start of the oldest segment. */
    public Record.Position cursor() throws IOException {
        Path c = dir.resolve(Segments.CURSOR);
        if (Files.exists(c)) {
            String[] parts = Files.readString(c, StandardCharsets.UTF_8).trim().split("\\s+");
            if (parts.length == 2) {
                try {
                    return new Record.Position(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
                } catch (NumberFormatException e) {
                    damage.skipped(c, 0, 0, "unreadable cursor file, starting from the oldest segment: " + e.getMessage());
                }
            }
        }
        List<Long> segs = Segments.list(dir);
        return new Record.Position(segs.isEmpty() ? 1 : segs.get(0), 0);
    }

    /**
     * Saves {@code p} as the cursor (atomically: a crash leaves the old or the new one) and deletes
     * every segment before {@code p}'s.
     */
    public void commit(Record.Position p) throws IOException {
        Path tmp = dir.resolve(Segments.CURSOR + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap((p.segment() + " " + p.offset() + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.force(false);
        }
        try {
            Files.move(tmp, dir.resolve(Segments.CURSOR), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve(Segments.CURSOR), StandardCopyOption.REPLACE_EXISTING);
        }
        for (long s : Segments.list(dir)) {
            if (s < p.segment()) {
                Files.deleteIfExists(Segments.path(dir, s));
            }
        }
    }

    /** Records not yet delivered: bytes of segments from {@code from} on. */
    public long pendingBytes(Record.Position from) throws IOException {
        long total = 0;
        for (long s : Segments.list(dir)) {
            if (s < from.segment()) {
                continue;
            }
            try {
                long size = Files.size(Segments.path(dir, s));
                total += s == from.segment() ? Math.max(0, size - from.offset()) : size;
            } catch (NoSuchFileException gone) {
                // deleted meanwhile
            }
        }
        return total;
    }

    /** Up to {@code max} records (and about {@code maxBytes}) from {@code from}. */
    public Batch read(Record.Position from, int max, long maxBytes) throws IOException {
        List<Record> out = new ArrayList<>();
        long bytes = 0;
        Record.Position p = from;
        List<Long> segs = Segments.list(dir);
        while (out.size() < max && bytes < maxBytes) {
            Long next = nextSegment(segs, p.segment());
            Path file = Segments.path(dir, p.segment());
            if (!Files.exists(file)) {
                if (next == null) {
                    break;
                }
                p = new Record.Position(next, 0);
                continue;
            }
            boolean last = next == null;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = ch.size();
                while (out.size() < max && bytes < maxBytes && p.offset() < size) {
                    Parsed r = parse(ch, p, size);
                    if (r.record != null) {
                        out.add(r.record);
                        bytes += r.length;
                        p = new Record.Position(p.segment(), p.offset() + r.length);
                        suspect = null;
                        continue;
                    }
                    // damaged or incomplete at p
                    if (last && r.maybeIncomplete) {
                        long now = System.currentTimeMillis();
                        if (!p.equals(suspect)) {
                            suspect = p;
                            suspectSince = now;
                        }
                        if (now - suspectSince < tornAfterMillis) {
                            return new Batch(out, p); // the writer may be in the middle of it
                        }
                    }
                    long resume = resync(ch, p.offset() + 1, size);
                    damage.skipped(file, p.offset(), resume - p.offset(), r.reason);
                    suspect = null;
                    p = new Record.Position(p.segment(), resume);
                }
                if (p.offset() < size || last) {
                    break;
                }
            }
            p = new Record.Position(next, 0);
        }
        return new Batch(out, p);
    }

    private static Long nextSegment(List<Long> segs, long current) {
        for (long s : segs) {
            if (s > current) {
                return s;
            }
        }
        return null;
    }

    private record Parsed(Record record, int length, boolean maybeIncomplete, String reason) {}

    private static Parsed parse(FileChannel ch, Record.Position p, long size) throws IOException {
        if (size - p.offset() < Segments.HEADER) {
            return new Parsed(null, 0, true, "incomplete record header at the end of the segment");
        }
        ByteBuffer h = ByteBuffer.allocate(Segments.HEADER);
        readFully(ch, h, p.offset());
        h.flip();
        int magic = h.getInt();
        int len = h.getInt();
        int crc = h.getInt();
        if (magic != Segments.MAGIC) {
            return new Parsed(null, 0, false, String.format("bad record magic 0x%08x", magic));
        }
        if (len < 11 || len > Segments.MAX_BODY) {
            return new Parsed(null, 0, false, "bad record length " + len);
        }
        if (p.offset() + Segments.HEADER + len > size) {
            return new Parsed(null, 0, true, "record of " + len + " bytes runs past the end of the segment");
        }
        ByteBuffer body = ByteBuffer.allocate(len);
        readFully(ch, body, p.offset() + Segments.HEADER);
        byte[] a = body.array();
        if (Segments.crc(a, 0, len) != crc) {
            return new Parsed(null, 0, p.offset() + Segments.HEADER + len == size, "record checksum mismatch");
        }
        body.flip();
        int rank = body.get() & 0xFF;
        long at = body.getLong();
        int idLen = body.getShort() & 0xFFFF;
        if (11 + idLen > len) {
            return new Parsed(null, 0, false, "record id runs past the record");
        }
        String id = new String(a, 11, idLen, StandardCharsets.UTF_8);
        byte[] payload = java.util.Arrays.copyOfRange(a, 11 + idLen, len);
        return new Parsed(new Record(rank, at, id, payload, p), Segments.HEADER + len, false, null);
    }

    /** The offset of the next whole record at or after {@code from}, or {@code size}. */
    private static long resync(FileChannel ch, long from, long size) throws IOException {
        ByteBuffer window = ByteBuffer.allocate(64 * 1024);
        long base = from;
        while (base < size) {
            window.clear();
            int n = ch.read(window, base);
            if (n <= 0) {
                break;
            }
            for (int i = 0; i + 4 <= n; i++) {
                if (window.getInt(i) == Segments.MAGIC) {
                    Parsed r = parse(ch, new Record.Position(0, base + i), size);
                    if (r.record != null) {
                        return base + i;
                    }
                }
            }
            base += Math.max(1, n - 3);
        }
        return size;
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos + b.position());
            if (n < 0) {
                throw new java.io.EOFException("segment ended at " + (pos + b.position()));
            }
        }
    }
}
