package io.bulwark.outbox;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The on-disk format, shared by the writer (sensor) and the reader (shipper).
 *
 * <p>The outbox is a directory of segment files {@code 00000000000000000001.seg}, … appended in
 * order; a segment is closed when it passes the segment size and never written again. Each record
 * is {@code magic u32 | length u32 | crc32(body) u32 | body}, big-endian, where the body is
 * {@code rank u8 | appendedAt i64 | idLength u16 | id (UTF-8) | payload}. The magic lets a reader
 * find the next record after a damaged one; the CRC tells a damaged record from a whole one.
 * The shipper's position is the file {@code cursor} (segment and offset of the first record not yet
 * delivered to every target), replaced atomically.
 */
public final class Segments {
    public static final int MAGIC = 0x42574F58; // "BWOX"
    public static final int HEADER = 12;
    /** Longest payload accepted: far above any target's limit (oversized ones travel through S3). */
    public static final int MAX_BODY = 16 << 20;
    public static final String SUFFIX = ".seg";
    public static final String CURSOR = "cursor";

    private Segments() {}

    public static String name(long segment) {
        return String.format("%020d%s", segment, SUFFIX);
    }

    public static Path path(Path dir, long segment) {
        return dir.resolve(name(segment));
    }

    /** Segment numbers present in {@code dir}, ascending. */
    public static List<Long> list(Path dir) throws IOException {
        List<Long> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                try {
                    out.add(Long.parseLong(n.substring(0, n.length() - SUFFIX.length())));
                } catch (NumberFormatException ignored) {
                    // not ours
                }
            }
        }
        Collections.sort(out);
        return out;
    }

    /** Bytes held by segment files in {@code dir}. */
    public static long bytes(Path dir) throws IOException {
        long total = 0;
        for (long s : list(dir)) {
            try {
                total += Files.size(path(dir, s));
            } catch (java.nio.file.NoSuchFileException gone) {
                // deleted by the shipper meanwhile
            }
        }
        return total;
    }

    static int crc(byte[] b, int off, int len) {
        CRC32 c = new CRC32();
        c.update(b, off, len);
        return (int) c.getValue();
    }
}
