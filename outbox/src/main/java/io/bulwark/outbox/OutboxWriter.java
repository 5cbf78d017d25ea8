package io.bulwark.outbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The sensor's side of the outbox: appends records to the current segment and never blocks on
 * anything but the local disk.
 *
 * <p><b>Durability.</b> {@link #append} returns after the record was written to the segment file
 * (the kernel's page cache): from then on it survives the sensor's crash, SIGKILL and upgrade, so
 * the ring-buffer record it came from may be released. A flusher thread forces the file to the
 * device every {@code syncMillis} (group commit), which bounds what a power loss can take; the
 * ring buffer itself, being memory, is lost in a power loss anyway.
 *
 * <p><b>Bounded.</b> The directory holds at most {@code capacityBytes} of segments. As it fills,
 * the least important records are refused first: past 85% of the capacity DEBUG and INFO, past
 * 90% NOTICE, past 95% WARNING, past 100% ERROR. CRITICAL, ALERT and EMERGENCY are always
 * written, as long as the disk takes them. Every refusal is counted by rank and reported to the
 * {@link Listener} (which logs it and raises a local alert).
 *
 * <p>A writer never appends to a segment an earlier process left: it starts the next number, so
 * a torn tail of a crashed writer stays alone in its segment (the reader reports and skips it).
 */
public final class OutboxWriter implements AutoCloseable {

    /** Told when a record is refused because the outbox is full; called on the appending thread, keep it cheap. */
    public interface Listener {
        void refused(int rank, long usedBytes, long capacityBytes);
    }

    /** Fill levels (fractions of the capacity, in per mille) past which a rank is refused: index is the rank. */
    private static final int[] REFUSE_ABOVE_PERMILLE = {850, 850, 900, 950, 1000, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE};

    private final Path dir;
    private final long segmentBytes;
    private final long capacityBytes;
    private final Listener listener;
    private final AtomicLongArray refused = new AtomicLongArray(8);
    private final Thread flusher;

    private FileChannel ch;
    private long segment;
    private long segmentSize;
    private long used;
    private long appended;
    private volatile boolean dirty;
    private volatile boolean closed;
    private volatile IOException syncError;

    public OutboxWriter(Path dir, long segmentBytes, long capacityBytes, long syncMillis, Listener listener) {
        if (segmentBytes <= 0 || capacityBytes < segmentBytes) {
            throw new IllegalArgumentException("outbox capacity (" + capacityBytes + " bytes) must be at least one segment (" + segmentBytes + " bytes)");
        }
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.capacityBytes = capacityBytes;
        this.listener = listener == null ? (r, u, c) -> { } : listener;
        try {
            Files.createDirectories(dir);
            try {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            List<Long> existing = Segments.list(dir);
            used = Segments.bytes(dir);
            open(existing.isEmpty() ? 1 : existing.get(existing.size() - 1) + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the outbox " + dir + ": " + e.getMessage(), e);
        }
        flusher = new Thread(() -> flushLoop(Math.max(1, syncMillis)), "bulwark-outbox-sync");
        flusher.setDaemon(true);
        flusher.start();
    }

    public Path dir() {
        return dir;
    }

    private void open(long number) throws IOException {
        Path p = Segments.path(dir, number);
        ch = FileChannel.open(p, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        segment = number;
        segmentSize = 0;
    }

    /**
     * Appends one record; true when it is in the outbox, false when the outbox is full for its rank.
     * Throws {@link UncheckedIOException} when the disk refuses the write.
     */
    public boolean append(int rank, String id, byte[] payload) {
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        if (idBytes.length > 0xFFFF) {
            throw new IllegalArgumentException("record id longer than 65535 bytes");
        }
        int bodyLen = 1 + 8 + 2 + idBytes.length + payload.length;
        if (bodyLen > Segments.MAX_BODY) {
            throw new IllegalArgumentException("record of " + bodyLen + " bytes is over the outbox's limit of " + Segments.MAX_BODY);
        }
        int r = Math.max(0, Math.min(7, rank));
        ByteBuffer b = ByteBuffer.allocate(Segments.HEADER + bodyLen);
        b.putInt(Segments.MAGIC).putInt(bodyLen).putInt(0);
        b.put((byte) r).putLong(System.currentTimeMillis()).putShort((short) idBytes.length).put(idBytes).put(payload);
        byte[] arr = b.array();
        b.putInt(8, Segments.crc(arr, Segments.HEADER, bodyLen));
        b.flip();
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the outbox " + dir + " is closed");
            }
            long after = used + arr.length;
            if (after * 1000 > (long) REFUSE_ABOVE_PERMILLE[r] * capacityBytes && REFUSE_ABOVE_PERMILLE[r] != Integer.MAX_VALUE) {
                refused.incrementAndGet(r);
                listener.refused(r, used, capacityBytes);
                return false;
            }
            try {
                if (segmentSize > 0 && segmentSize + arr.length > segmentBytes) {
                    ch.force(false);
                    ch.close();
                    open(segment + 1);
                }
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot append to the outbox " + dir + ": " + e.getMessage(), e);
            }
            segmentSize += arr.length;
            used += arr.length;
            appended++;
            dirty = true;
        }
        return true;
    }

    private void flushLoop(long syncMillis) {
        long nextRecount = System.nanoTime();
        while (!closed) {
            try {
                Thread.sleep(syncMillis);
            } catch (InterruptedException e) {
                return;
            }
            try {
                sync();
                if (System.nanoTime() - nextRecount >= 0) {
                    // the shipper deletes delivered segments: the space comes back here
                    long onDisk = Segments.bytes(dir);
                    synchronized (this) {
                        used = onDisk;
                    }
                    nextRecount = System.nanoTime() + 1_000_000_000L;
                }
            } catch (IOException e) {
                syncError = e;
            }
        }
    }

    /** Forces what was appended to the device (the flusher does this every {@code syncMillis}). */
    public void sync() throws IOException {
        if (!dirty) {
            return;
        }
        FileChannel c;
        synchronized (this) {
            c = ch;
            dirty = false;
        }
        try {
            c.force(false);
        } catch (java.nio.channels.ClosedChannelException rolled) {
            // the segment was rolled (and forced) meanwhile
        }
    }

    public synchronized long usedBytes() {
        return used;
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    public synchronized long appended() {
        return appended;
    }

    /** Records refused because the outbox was full, by rank (index 0 = DEBUG … 7 = EMERGENCY). */
    public long refused(int rank) {
        return refused.get(rank);
    }

    public long refusedTotal() {
        long t = 0;
        for (int i = 0; i < 8; i++) {
            t += refused.get(i);
        }
        return t;
    }

    /** The last error of the background sync, or null. */
    public IOException syncError() {
        return syncError;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                ch.force(false);
                ch.close();
            } catch (IOException e) {
                syncError = e;
            }
        }
        flusher.interrupt();
    }
}
