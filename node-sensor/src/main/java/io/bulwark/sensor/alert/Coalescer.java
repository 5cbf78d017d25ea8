package io.bulwark.sensor.alert;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Coalesces identical alerts (same rule, container and process) within a window. The first of
 * a kind is passed on at once, never delayed; repeats inside the window are counted, and when
 * the window closes one alert stands for them with their count.
 *
 * @param <T> what is being coalesced (the caller keeps the representative it wants to send)
 */
public final class Coalescer<T> {
    /** Identity of an alert for coalescing. */
    public record Key(String rule, String container, int pid) {}

    /** A decision: send {@code item} now, standing for {@code count} occurrences. */
    public record Emit<T>(T item, int count) {}

    private static final class Window<T> {
        final long start;
        T last;
        int suppressed;

        Window(long start) {
            this.start = start;
        }
    }

    private final long windowNs;
    private final int maxKeys;
    private final Map<Key, Window<T>> open = new LinkedHashMap<>();
    private long suppressedTotal;

    public Coalescer(long windowNs, int maxKeys) {
        this.windowNs = windowNs;
        this.maxKeys = maxKeys;
    }

    /** Offers an occurrence at time {@code now}; returns it to send now (count 1) or null when coalesced. */
    public synchronized Emit<T> offer(Key key, T item, long now) {
        Objects.requireNonNull(key);
        Window<T> w = open.get(key);
        if (w != null && now - w.start < windowNs) {
            w.suppressed++;
            w.last = item;
            suppressedTotal++;
            return null;
        }
        int count = 1;
        if (w != null) {
            // its window is over but expire() has not run yet: this alert also stands for the
            // repeats counted in it (they are never dropped), and the key reopens at the end
            open.remove(key);
            count += w.suppressed;
        }
        if (open.size() >= maxKeys) {
            // Bounded memory: the oldest window closes early rather than anything being lost silently.
            Iterator<Map.Entry<Key, Window<T>>> it = open.entrySet().iterator();
            it.next();
            it.remove();
        }
        open.put(key, new Window<>(now));
        return new Emit<>(item, count);
    }

    /** Closes windows older than the window length; each with repeats yields one alert with their count. */
    public synchronized List<Emit<T>> expire(long now) {
        return close(now, false);
    }

    /**
     * Windows are kept in the order they opened (a key whose window closed opens a new one at the
     * end), so the first is the oldest: expiry stops at the first window still open, and costs
     * nothing per event while none is due.
     */
    private List<Emit<T>> close(long now, boolean all) {
        if (open.isEmpty()) {
            return List.of();
        }
        Iterator<Map.Entry<Key, Window<T>>> it = open.entrySet().iterator();
        List<Emit<T>> out = null;
        while (it.hasNext()) {
            Window<T> w = it.next().getValue();
            if (!all && now - w.start < windowNs) {
                break;
            }
            if (w.suppressed > 0) {
                if (out == null) {
                    out = new ArrayList<>();
                }
                out.add(new Emit<>(w.last, w.suppressed));
            }
            it.remove();
        }
        return out == null ? List.of() : out;
    }

    /** Closes every window (shutdown). */
    public synchronized List<Emit<T>> flush() {
        return close(0, true);
    }

    public synchronized long suppressedTotal() {
        return suppressedTotal;
    }
}
