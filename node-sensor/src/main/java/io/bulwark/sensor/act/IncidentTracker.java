package io.bulwark.sensor.act;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.StableId;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Files every alert under an incident (DESIGN.md, "Incident ids are given on the node"). The key is
 * the container id, or {@code host}; an incident stays open while alerts for its key keep coming
 * within the window (15 minutes) of the previous one, by the alerts' own times; a new incident gets
 * {@code StableId.of("incident", hostname, key, firstAlertId)}, so the same first alert gives the same
 * id after a restart. Thread-safe (the decoder, the integrity checker and the main loop all raise alerts).
 */
public final class IncidentTracker {
    public static final Duration WINDOW = Duration.ofMinutes(15);
    public static final String HOST = "host";

    private static final class Open {
        final String id;
        long lastMillis;

        Open(String id, long lastMillis) {
            this.id = id;
            this.lastMillis = lastMillis;
        }
    }

    private final String hostname;
    private final long windowMillis;
    private final Map<String, Open> open = new HashMap<>();

    public IncidentTracker(String hostname) {
        this(hostname, WINDOW);
    }

    public IncidentTracker(String hostname, Duration window) {
        this.hostname = hostname;
        this.windowMillis = window.toMillis();
    }

    /** The incident of this alert, opening one when its key has none open. */
    public synchronized String file(AlertDetail alert) {
        String key = alert.container() == null || alert.container().id() == null ? HOST : alert.container().id();
        long t = millis(alert.time());
        Open o = open.get(key);
        if (o != null && t - o.lastMillis <= windowMillis) {
            o.lastMillis = Math.max(o.lastMillis, t);
            return o.id;
        }
        String id = StableId.of("incident", hostname, key, alert.id());
        open.put(key, new Open(id, t));
        if (open.size() > 10_000) {
            expire(t);
        }
        return id;
    }

    /** The open incident of a key (container id or {@code host}), or null. */
    public synchronized String openIncident(String key) {
        Open o = open.get(key);
        return o == null ? null : o.id;
    }

    private void expire(long now) {
        for (Iterator<Open> it = open.values().iterator(); it.hasNext(); ) {
            if (now - it.next().lastMillis > windowMillis) {
                it.remove();
            }
        }
    }

    private static long millis(String time) {
        try {
            return Instant.parse(time).toEpochMilli();
        } catch (DateTimeParseException | NullPointerException e) {
            return System.currentTimeMillis();
        }
    }
}
