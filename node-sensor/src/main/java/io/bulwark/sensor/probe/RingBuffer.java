package io.bulwark.sensor.probe;

import com.kenai.jffi.MemoryIO;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * A BPF ring buffer read in place: the map is mapped into this process the way the kernel lays
 * it out (consumer page read-write; producer page and the data area read-only, the data area
 * mapped twice back to back so a record that wraps is contiguous), and records are handed to
 * the caller as a view of that memory: no copy, no native call per record, no callback from
 * native code. Waiting is an epoll on the map's descriptor.
 *
 * <p>Protocol (kernel/bpf/ringbuf.c): a record is an 8-byte header (u32 length with BUSY bit 31
 * and DISCARD bit 30, u32 page offset) followed by the sample, padded to 8 bytes. The consumer
 * reads producer_pos with acquire, each header with acquire, and publishes consumer_pos with
 * release once a record is done, which frees its space for the kernel.
 *
 * <p>Single consumer: {@link #consume} and {@link #await} must be called from one thread.
 */
public final class RingBuffer implements AutoCloseable {
    /** Receives one record: {@code length} bytes at {@code offset} in {@code data} (little-endian, read-only). */
    @FunctionalInterface
    public interface Handler {
        void onRecord(ByteBuffer data, int offset, int length);
    }

    private static final int BUSY = 1 << 31;
    private static final int DISCARD = 1 << 30;
    private static final int HEADER = 8;
    private static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;
    private static final int EPOLL_CTL_ADD = 1, EPOLLIN = 1;
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final Native n; // null for a ring in memory
    private final String name;
    private final long size;
    private final long mask;
    private final long pageSize;
    private final long consumerAddr;
    private final long producerAddr;
    private final long producerLen;
    private final ByteBuffer consumer;
    private final ByteBuffer producer;
    private final ByteBuffer data;
    /** A ring in process memory ({@link #inMemory}): the writable twin of {@link #data}, else null. */
    private final ByteBuffer writable;
    private final int epfd;
    private final Pointer events;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong receivedBytes = new AtomicLong();
    private final AtomicLong recordErrors = new AtomicLong();
    private volatile int waitErrno;
    private boolean closed;

    public RingBuffer(BpfObject object, String mapName) {
        this.n = Native.get();
        this.name = object.file() + ":" + mapName;
        int fd = object.mapFd(mapName);
        this.size = object.mapMaxEntries(mapName);
        if (size <= 0 || Long.bitCount(size) != 1 || size > (1L << 29)) {
            throw new BpfException("ring buffer size", 22, name, "max_entries " + size + " is not a power of two up to 512 MiB");
        }
        this.mask = size - 1;
        long ps = n.libc.sysconf(30 /* _SC_PAGESIZE */);
        this.pageSize = ps > 0 ? ps : 4096;
        this.consumerAddr = mmap(pageSize, PROT_READ | PROT_WRITE, fd, 0);
        if (consumerAddr == -1) {
            throw new BpfException("mmap ring buffer consumer page", n.errno(), name);
        }
        this.producerLen = pageSize + 2 * size;
        this.producerAddr = mmap(producerLen, PROT_READ, fd, pageSize);
        if (producerAddr == -1) {
            int err = n.errno();
            n.libc.munmap(consumerAddr, pageSize);
            throw new BpfException("mmap ring buffer data", err, name);
        }
        MemoryIO io = MemoryIO.getInstance();
        this.consumer = io.newDirectByteBuffer(consumerAddr, (int) pageSize).order(ByteOrder.LITTLE_ENDIAN);
        this.producer = io.newDirectByteBuffer(producerAddr, (int) pageSize).order(ByteOrder.LITTLE_ENDIAN);
        this.data = io.newDirectByteBuffer(producerAddr + pageSize, (int) (2 * size)).order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer()
                .order(ByteOrder.LITTLE_ENDIAN);
        this.epfd = n.libc.epoll_create1(02000000 /* EPOLL_CLOEXEC */);
        if (epfd < 0) {
            int err = n.errno();
            unmap();
            throw new BpfException("epoll_create1", err, name);
        }
        Pointer ev = Memory.allocateDirect(n.runtime, 16, true);
        ev.putInt(0, EPOLLIN);
        if (n.libc.epoll_ctl(epfd, EPOLL_CTL_ADD, fd, ev) != 0) {
            int err = n.errno();
            n.libc.close(epfd);
            unmap();
            throw new BpfException("epoll_ctl", err, name);
        }
        this.events = Memory.allocateDirect(n.runtime, 16, true);
        this.writable = null;
    }

    private RingBuffer(String name, int size) {
        this.n = null;
        this.name = name;
        this.size = size;
        this.mask = size - 1;
        this.pageSize = 4096;
        this.consumerAddr = 0;
        this.producerAddr = 0;
        this.producerLen = 0;
        this.consumer = ByteBuffer.allocateDirect(4096).order(ByteOrder.LITTLE_ENDIAN);
        this.producer = ByteBuffer.allocateDirect(4096).order(ByteOrder.LITTLE_ENDIAN);
        this.writable = ByteBuffer.allocateDirect(2 * size).order(ByteOrder.LITTLE_ENDIAN);
        this.data = writable.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        this.epfd = -1;
        this.events = null;
    }

    /**
     * A ring of {@code size} bytes (a power of two) in process memory, read by the same
     * {@link #consume} code and with the same kind of buffers as the kernel's, filled by
     * {@link #offer}: the sensor's warm-up runs synthetic records through it before any program is
     * attached. {@link #await} must not be called on it.
     */
    public static RingBuffer inMemory(int size) {
        if (size < 4096 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("in-memory ring size " + size + " is not a power of two of at least 4096");
        }
        return new RingBuffer("in-memory", size);
    }

    /**
     * Appends one record of {@code length} bytes from {@code record} (position 0) to an in-memory
     * ring, as the kernel's producer would. Returns false, writing nothing, when it does not fit.
     */
    public boolean offer(ByteBuffer record, int length) {
        return offer(record, length, 0);
    }

    /** A record the kernel is still writing ({@link #offer} then {@link #commit}): consume stops at it. */
    public static final int OFFER_BUSY = BUSY;
    /** A record the kernel discarded: consume skips it. */
    public static final int OFFER_DISCARDED = DISCARD;
    private int busyOffset = -1, busyLength;

    /**
     * As {@link #offer(ByteBuffer, int)}, with {@link #OFFER_BUSY} or {@link #OFFER_DISCARDED} in
     * {@code bits}, as the kernel's records can be.
     */
    public boolean offer(ByteBuffer record, int length, int bits) {
        if (writable == null) {
            throw new IllegalStateException("offer on the kernel's ring " + name);
        }
        long prod = (long) LONGS.getAcquire(producer, 0);
        long cons = (long) LONGS.getAcquire(consumer, 0);
        long total = (length + HEADER + 7) & ~7L;
        if (prod + total - cons > size) {
            return false;
        }
        int off = (int) (prod & mask); // the data area is 2 * size long: a record near the end is written whole
        writable.putInt(off + 4, 0);
        writable.put(off + HEADER, record, 0, length);
        INTS.setRelease(writable, off, length | (bits & (BUSY | DISCARD)));
        LONGS.setRelease(producer, 0, prod + total);
        if ((bits & BUSY) != 0) {
            busyOffset = off;
            busyLength = length;
        }
        return true;
    }

    /** Completes the last record offered as {@link #OFFER_BUSY} (records offered after it may already be complete). */
    public void commit() {
        if (writable == null || busyOffset < 0) {
            throw new IllegalStateException("no record being written to commit on " + name);
        }
        INTS.setRelease(writable, busyOffset, busyLength);
        busyOffset = -1;
    }

    private long mmap(long length, int prot, int fd, long offset) {
        return n.libc.syscall(Native.syscallNumber("mmap"), 0, length, prot, MAP_SHARED, fd, offset);
    }

    /**
     * Hands every complete record to {@code handler}, releasing each one's space as soon as the
     * handler returns. Stops at a record the kernel is still writing. Returns how many records
     * were handed over (discarded ones are skipped silently).
     */
    public int consume(Handler handler) {
        long cons = (long) LONGS.getAcquire(consumer, 0);
        long start = cons;
        try {
            return consume(handler, cons);
        } finally {
            // counted once per batch: the records and bytes handed over (or skipped) since start
            long end = (long) LONGS.getAcquire(consumer, 0);
            receivedBytes.addAndGet(end - start);
        }
    }

    private int consume(Handler handler, long cons) {
        int count = 0;
        while (true) {
            long prod = (long) LONGS.getAcquire(producer, 0);
            if (cons >= prod) {
                return count;
            }
            while (cons < prod) {
                int off = (int) (cons & mask);
                int hdr = (int) INTS.getAcquire(data, off);
                if ((hdr & BUSY) != 0) {
                    return count;
                }
                int len = hdr & ~(BUSY | DISCARD);
                cons += (len + HEADER + 7) & ~7L;
                if ((hdr & DISCARD) == 0) {
                    received.incrementAndGet();
                    count++;
                    try {
                        handler.onRecord(data, off + HEADER, len);
                    } catch (RuntimeException e) {
                        recordErrors.incrementAndGet();
                    }
                }
                LONGS.setRelease(consumer, 0, cons);
            }
        }
    }

    /** Waits up to {@code timeoutMs} for the kernel to signal new data; true if it did. */
    public boolean await(int timeoutMs) {
        int rc = n.libc.epoll_wait(epfd, events, 1, timeoutMs);
        if (rc < 0) {
            int err = n.errno();
            if (err != 4 /* EINTR */) {
                waitErrno = err;
            }
            return false;
        }
        return rc > 0;
    }

    /** Bytes written by the kernel and not consumed yet. */
    public long pending() {
        return (long) LONGS.getAcquire(producer, 0) - (long) LONGS.getAcquire(consumer, 0);
    }

    public long size() {
        return size;
    }

    public long received() {
        return received.get();
    }

    /** Ring-buffer bytes consumed (records with their 8-byte headers, padded to 8): received_bytes / received is the mean record size. */
    public long receivedBytes() {
        return receivedBytes.get();
    }

    /** Records whose handler threw: counted as lost. */
    public long recordErrors() {
        return recordErrors.get();
    }

    public int lastWaitErrno() {
        return waitErrno;
    }

    private void unmap() {
        if (producerAddr == 0) {
            return; // in memory
        }
        n.libc.munmap(producerAddr, producerLen);
        n.libc.munmap(consumerAddr, pageSize);
    }

    /** Unmaps the ring and closes the epoll descriptor. Idempotent; the caller must have stopped consuming. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (epfd >= 0) {
            n.libc.close(epfd);
        }
        unmap();
    }
}
