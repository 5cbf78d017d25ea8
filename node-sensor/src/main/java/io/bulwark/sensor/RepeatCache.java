package io.bulwark.sensor;

import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.probe.RawEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The repeat test: one remembered record per thread slot (decoder thread only). A syscall record
 * identical (all bytes but the timestamp) to the last one remembered for its thread slot, within
 * {@link #REPEAT_WINDOW_NS}, with no exec, fork or exit of its process or its parent and no new
 * cgroup in between, is a repeat: same decoded event with the new time, same verdict. Everything
 * else is decoded, and so is every {@link #REFRESH_EVERY}th repeat of a remembered event.
 * (Lifecycle events of other processes do not matter: a busy host execs all the time.)
 *
 * <p>The test is computed without a branch per condition, and the periodic refresh means both
 * outcomes occur during a flood: the JIT then has no never-taken branch to speculate on, so the
 * first different record after a flood does not throw the compiled code away (that cost ≈150 ms
 * of slow decoding at the start of every flood, and drops).
 */
public final class RepeatCache {
    /** A remembered event is reused for at most this long (kernel time), so slow state changes are seen. */
    public static final long REPEAT_WINDOW_NS = 1_000_000_000L;
    /** A remembered event serves at most this many repeats (a power of two), then the next one is decoded again. */
    public static final int REFRESH_SHIFT = 10, REFRESH_EVERY = 1 << REFRESH_SHIFT;
    private static final int SLOTS = 64;
    private static final int OP_OFF = RawEvent.OFF_OP, KTIME = RawEvent.OFF_KTIME, TID = RawEvent.OFF_TID;
    /** 0 for the ops that can repeat (syscalls, io_uring requests), 1 for the others. */
    private static final long[] NOT_REPEATABLE = new long[256];
    static {
        Arrays.fill(NOT_REPEATABLE, 1);
        NOT_REPEATABLE[RawEvent.OP_SYSCALL] = 0;
        NOT_REPEATABLE[RawEvent.OP_IOURING] = 0;
    }

    /** One remembered event: its record's bytes, the decoded event and the sink's state for it. */
    static final class Slot {
        final byte[] bytes = new byte[RawEvent.SIZE];
        final ByteBuffer view = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int len = -1;
        int uses;
        long ktime;
        long generation;
        SensorEvent event;
        Object state;
    }

    private final Slot[] slots = new Slot[SLOTS];
    {
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot();
        }
    }
    /** Raised when container state may change (a new cgroup): every remembered event is then stale. */
    private long generation;

    /**
     * The repeated event for the record of {@code len} bytes at {@code off} (the remembered one with
     * this record's time), or null when the record must be decoded.
     */
    SensorEvent repeatOf(ByteBuffer buf, int off, int len) {
        int op = buf.get(off + OP_OFF) & 0xff;
        Slot r = slots[buf.getInt(off + TID) & (SLOTS - 1)];
        long ktime = buf.getLong(off + KTIME);
        long d = ktime - r.ktime;
        int uses = ++r.uses;
        long bad = NOT_REPEATABLE[op]
                | (r.len ^ len)
                | (r.generation ^ generation)
                | ((d | (REPEAT_WINDOW_NS - 1 - d)) >>> 63)        // outside [0, window)
                | (((uses & (REFRESH_EVERY - 1)) + 1) >> REFRESH_SHIFT)       // every REFRESH_EVERY-th use
                | differs(buf, off, r.view, len);
        if (bad != 0) {
            return null;
        }
        SensorEvent prev = r.event;
        return new SensorEvent(prev.time() + d, prev.syscall(), prev.process(), prev.container());
    }

    /** The sink's state remembered with the event {@link #repeatOf} just returned for this record. */
    Object stateOf(ByteBuffer buf, int off) {
        return slots[buf.getInt(off + TID) & (SLOTS - 1)].state;
    }

    /** Container state may change (a cgroup appeared): forgets every remembered event. */
    void invalidateAll() {
        generation++;
    }

    /** Forgets remembered events of {@code pid} and of its children (their ancestry names it). */
    void forget(int pid) {
        for (Slot r : slots) {
            if (r.event != null && (r.event.process().pid() == pid || r.event.process().ppid() == pid)) {
                r.len = -1;
                r.event = null;
                r.state = null;
            }
        }
    }

    /**
     * Remembers a decoded syscall record, its event and the sink's state, when its attribution is
     * settled: a known process, and a container when the task is contained.
     */
    void remember(RawEvent raw, ByteBuffer buf, int off, int len, SensorEvent ev, Object state) {
        if (buf == null || len > RawEvent.SIZE || ev.process().exe().isEmpty() || (raw.contained() && ev.container() == null)) {
            return;
        }
        Slot r = slots[raw.tid() & (SLOTS - 1)];
        buf.get(off, r.bytes, 0, len);
        r.len = len;
        r.uses = 0;
        r.ktime = raw.ktime();
        r.generation = generation;
        r.event = ev;
        r.state = state;
    }

    /**
     * Non-zero when the record of {@code len} bytes at {@code off} differs from the remembered bytes
     * anywhere but in the timestamp (bytes 8-15). No early exit and no branch on the length: every
     * word up to the last is compared, and the last one under a mask of the bytes the record has
     * (ring records are padded to 8 bytes, so that word is readable; the padding is not compared).
     * Records are at least {@link RawEvent#MIN_SIZE} bytes, so the middle loop always runs.
     */
    private static long differs(ByteBuffer buf, int off, ByteBuffer remembered, int len) {
        int words = (len + 7) >>> 3;
        long diff = buf.getLong(off) ^ remembered.getLong(0);
        int last = (words - 1) << 3;
        for (int i = KTIME + 8; i < last; i += 8) {
            diff |= buf.getLong(off + i) ^ remembered.getLong(i);
        }
        long mask = -1L >>> (64 - ((len - last) << 3));
        return diff | ((buf.getLong(off + last) ^ remembered.getLong(last)) & mask);
    }
}
