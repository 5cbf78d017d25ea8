package io.bulwark.sensor.evidence;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.SensorEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The last minutes of every container, in memory, so that the evidence of an alert holds what led
 * to it. Per container (and one history for the host, key {@value #HOST}): at most
 * {@link Limits#eventsPerContainer} events and none older than {@link Limits#maxAgeNs} behind the
 * newest; across all of them at most {@link Limits#maxBytes} (estimated at
 * {@link Limits#bytesPerEvent} an event), past which the least recently active container's history
 * is dropped whole.
 *
 * <p>The decoder thread calls {@link #record} for every decoded event: it keeps a reference to the
 * event the decoder made anyway (no copy, no encoding), in arrays that grow to the per-container
 * bound and are then reused as a ring. A repeat of the previous event of the container (the
 * sensor's repeat path hands over the same syscall and process objects with a new time) only
 * raises that entry's count and last time, so a flood of one syscall does not push the minutes
 * before it out. {@link #copy} gives a consistent copy for the evidence snapshot. One lock for the
 * whole timeline: the decoder is the only frequent caller, so it is never contended in practice.
 *
 * <p>Memory: docs/evidence.md (measured by {@code bench/evidence.sh memory}).
 */
public final class ContainerTimeline {
    /** Key of the host's history (events with no container). */
    public static final String HOST = "host";

    /**
     * Bounds.
     *
     * @param eventsPerContainer most entries one container keeps (0 = timeline off)
     * @param maxAgeNs           entries older than this behind the container's newest one are dropped
     * @param maxBytes           most memory all histories may hold, estimated at {@code bytesPerEvent} an entry
     * @param bytesPerEvent      the estimate (measured: docs/evidence.md)
     */
    public record Limits(int eventsPerContainer, long maxAgeNs, long maxBytes, int bytesPerEvent) {
        /**
         * Retained heap of one decoded event held by the timeline, rounded up: the event, its syscall
         * record, argument map and strings, its process record and namespaces, and the ring's slot
         * (24 bytes); the container and the process table's strings are shared and not counted.
         * Measured 906 bytes an event on a mix of exec (with argv), openat and mount events
         * ({@code bench/evidence.sh memory}, docs/benchmarks.md).
         */
        public static final int MEASURED_BYTES_PER_EVENT = 1000;

        public Limits {
            if (eventsPerContainer < 0 || maxAgeNs <= 0 || maxBytes < 0 || bytesPerEvent <= 0) {
                throw new IllegalArgumentException("bad timeline limits: " + eventsPerContainer + " events, " + maxAgeNs
                        + " ns, " + maxBytes + " bytes, " + bytesPerEvent + " bytes an event");
            }
        }

        /** 2,000 events or 10 minutes a container, 8 MiB in all (about 8,400 events). */
        public static Limits defaults() {
            return new Limits(2_000, 600_000_000_000L, 8L << 20, MEASURED_BYTES_PER_EVENT);
        }

        public static Limits of(int eventsPerContainer, int maxAgeSeconds, int maxMib) {
            return new Limits(eventsPerContainer, maxAgeSeconds * 1_000_000_000L, (long) maxMib << 20, MEASURED_BYTES_PER_EVENT);
        }

        long maxEntries() {
            return maxBytes / bytesPerEvent;
        }
    }

    /**
     * One entry of a copied history: an event (with {@code count} identical ones folded into it, the
     * last at {@code lastTime}) or an alert.
     */
    public record Entry(long time, long lastTime, int count, SensorEvent event, AlertDetail alert) {
        public boolean isAlert() {
            return alert != null;
        }
    }

    /** One container's ring. */
    private static final class Ring {
        final String key;
        Object[] items;          // SensorEvent or AlertDetail
        long[] times;            // first time of the entry (ns since the epoch)
        long[] lastTimes;        // time of the last repeat folded into it
        int[] counts;
        int head;                // index of the oldest entry
        int size;
        long lastUsed;           // the timeline's sequence number at the last entry: least recently used goes first

        Ring(String key, int capacity) {
            this.key = key;
            items = new Object[capacity];
            times = new long[capacity];
            lastTimes = new long[capacity];
            counts = new int[capacity];
        }

        int index(int i) {
            return (head + i) % items.length;
        }
    }

    private static final Limits OFF_LIMITS = new Limits(0, 1, 0, 1);
    private static final int INITIAL = 64;

    private final Limits limits;
    private final long maxEntries;
    private final Map<String, Ring> rings = new HashMap<>();
    private long sequence;
    private long entries;
    private long evictedContainers;
    private long droppedByAge;
    private Ring last;            // the ring of the previous event: most events come in runs from one container

    public ContainerTimeline(Limits limits) {
        this.limits = limits;
        this.maxEntries = Math.max(limits.eventsPerContainer() == 0 ? 0 : 1, limits.maxEntries());
    }

    /** A timeline that keeps nothing (for a sensor without one). */
    public static ContainerTimeline off() {
        return new ContainerTimeline(OFF_LIMITS);
    }

    public Limits limits() {
        return limits;
    }

    public boolean enabled() {
        return limits.eventsPerContainer() > 0;
    }

    /** The history key of an event: its container's id, or {@value #HOST}. */
    public static String key(SensorEvent e) {
        return e.container() == null ? HOST : e.container().id();
    }

    /**
     * Keeps one decoded event. Called by the sensor's decoder for every event (and every repeat),
     * before the rules see it; costs a lock, a map lookup when the container changed, and array stores.
     */
    public synchronized void record(SensorEvent e) {
        if (limits.eventsPerContainer() == 0 || e == null) {
            return;
        }
        Ring r = ring(e.container() == null ? HOST : e.container().id());
        if (r.size > 0) {
            int newest = r.index(r.size - 1);
            if (r.items[newest] instanceof SensorEvent prev && prev.syscall() == e.syscall() && prev.process() == e.process()) {
                // the sensor's repeat of the previous event: the same decoded syscall and process, a new time
                r.counts[newest]++;
                r.lastTimes[newest] = e.time();
                return;
            }
        }
        add(r, e, e.time());
    }

    /** Keeps an alert in its container's history, between the events that led to it and those after (once per alert id). */
    public synchronized void alert(AlertDetail a) {
        if (limits.eventsPerContainer() == 0 || a == null) {
            return;
        }
        Ring r = ring(a.container() == null ? HOST : a.container().id());
        for (int k = r.size - 1; k >= 0; k--) {
            if (r.items[r.index(k)] instanceof AlertDetail known && known.id() != null && known.id().equals(a.id())) {
                return; // a second capture of the same alert
            }
        }
        add(r, a, timeOf(a));
    }

    private static long timeOf(AlertDetail a) {
        try {
            java.time.Instant t = java.time.Instant.parse(a.time());
            return t.getEpochSecond() * 1_000_000_000L + t.getNano();
        } catch (RuntimeException ex) {
            return System.currentTimeMillis() * 1_000_000L;
        }
    }

    private Ring ring(String key) {
        Ring r = last;
        if (r != null && r.key.equals(key)) { // every removal clears `last`
            return r;
        }
        r = rings.get(key);
        if (r == null) {
            r = new Ring(key, Math.min(INITIAL, limits.eventsPerContainer()));
            rings.put(key, r);
        }
        last = r;
        return r;
    }

    private void add(Ring r, Object item, long time) {
        r.lastUsed = ++sequence;
        // age: entries that fell out of the window behind this one
        long horizon = time - limits.maxAgeNs();
        while (r.size > 0 && r.lastTimes[r.head] < horizon) {
            dropOldest(r);
            droppedByAge++;
        }
        if (r.size == r.items.length) {
            if (r.items.length < limits.eventsPerContainer()) {
                grow(r, Math.min(limits.eventsPerContainer(), r.items.length * 2));
            } else {
                dropOldest(r);
            }
        }
        int i = r.index(r.size);
        r.items[i] = item;
        r.times[i] = time;
        r.lastTimes[i] = time;
        r.counts[i] = 1;
        r.size++;
        entries++;
        while (entries > maxEntries) {
            evictOne(r);
        }
    }

    private static void grow(Ring r, int capacity) {
        Object[] items = new Object[capacity];
        long[] times = new long[capacity];
        long[] lastTimes = new long[capacity];
        int[] counts = new int[capacity];
        for (int k = 0; k < r.size; k++) {
            int from = r.index(k);
            items[k] = r.items[from];
            times[k] = r.times[from];
            lastTimes[k] = r.lastTimes[from];
            counts[k] = r.counts[from];
        }
        r.items = items;
        r.times = times;
        r.lastTimes = lastTimes;
        r.counts = counts;
        r.head = 0;
    }

    private void dropOldest(Ring r) {
        r.items[r.head] = null;
        r.head = (r.head + 1) % r.items.length;
        r.size--;
        entries--;
    }

    /** Over the memory bound: the least recently used other container goes whole; alone, the current one loses its oldest. */
    private void evictOne(Ring current) {
        Ring victim = null;
        for (Ring r : rings.values()) {
            if (r != current && (victim == null || r.lastUsed < victim.lastUsed)) {
                victim = r;
            }
        }
        if (victim == null) {
            dropOldest(current);
            return;
        }
        rings.remove(victim.key);
        entries -= victim.size;
        evictedContainers++;
        if (last == victim) {
            last = null;
        }
    }

    /** Drops histories whose newest entry is older than the age bound at {@code nowNs} (wall ns); call now and then. */
    public synchronized void expire(long nowNs) {
        long horizon = nowNs - limits.maxAgeNs();
        rings.values().removeIf(r -> {
            while (r.size > 0 && r.lastTimes[r.head] < horizon) {
                dropOldest(r);
                droppedByAge++;
            }
            return r.size == 0;
        });
        if (last != null && !rings.containsKey(last.key)) {
            last = null;
        }
    }

    /** Forgets a container (it was removed). */
    public synchronized void forget(String key) {
        Ring r = rings.remove(key);
        if (r != null) {
            entries -= r.size;
            if (last == r) {
                last = null;
            }
        }
    }

    /**
     * A copy of one history, oldest first, without entries older than the age bound at
     * {@code nowNs}. The copy holds the same (immutable) event objects; the timeline goes on.
     */
    public synchronized List<Entry> copy(String key, long nowNs) {
        Ring r = rings.get(key);
        if (r == null) {
            return List.of();
        }
        long horizon = nowNs - limits.maxAgeNs();
        List<Entry> out = new ArrayList<>(r.size);
        for (int k = 0; k < r.size; k++) {
            int i = r.index(k);
            if (r.lastTimes[i] < horizon) {
                continue;
            }
            Object o = r.items[i];
            out.add(o instanceof SensorEvent e ? new Entry(r.times[i], r.lastTimes[i], r.counts[i], e, null)
                    : new Entry(r.times[i], r.lastTimes[i], r.counts[i], null, (AlertDetail) o));
        }
        return out;
    }

    /** Histories held now. */
    public synchronized int containers() {
        return rings.size();
    }

    /** Entries held now, in all histories. */
    public synchronized long entries() {
        return entries;
    }

    /** Estimated memory held now (entries × the per-entry estimate). */
    public synchronized long estimatedBytes() {
        return entries * limits.bytesPerEvent();
    }

    /** Whole histories dropped to stay under the memory bound. */
    public synchronized long evictedContainers() {
        return evictedContainers;
    }

    /** Entries dropped because they were older than the age bound. */
    public synchronized long droppedByAge() {
        return droppedByAge;
    }
}
