package io.bulwark.sensor.alert;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.Priority;
import io.bulwark.contract.ProcessInfo;
import io.bulwark.contract.Syscall;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lost events are themselves an alert: a flood can be an attacker trying to blind the sensor.
 * Fed the sensor's counters periodically, it raises a {@code Sensor Event Loss} alert (ERROR)
 * when any loss counter grew — at most one per window, carrying how many events were lost in
 * each place since the last alert.
 */
public final class LossMonitor {
    /** The counters that mean "an event was lost". */
    public static final List<String> LOSS_COUNTERS = List.of("ringbuf_full_drops", "record_errors", "rate_limited",
            "inflight_full", "decode_errors");
    public static final String RULE = "Sensor Event Loss";

    private final AlertDetail.Node node;
    private final String mode;
    private final String action;
    private final long windowNs;
    private final Map<String, Long> reported = new LinkedHashMap<>();
    private long lastAlertNs = Long.MIN_VALUE;

    public LossMonitor(AlertDetail.Node node, String mode, String action, long windowNs) {
        this.node = node;
        this.mode = mode;
        this.action = action;
        this.windowNs = windowNs;
    }

    /** Returns an alert when losses grew since the last alert and the window allows one, else null. */
    public synchronized AlertEnvelope check(Map<String, Long> counters, long nowNs) {
        Map<String, Object> delta = new LinkedHashMap<>();
        long total = 0;
        for (String k : LOSS_COUNTERS) {
            long v = counters.getOrDefault(k, 0L);
            long d = v - reported.getOrDefault(k, 0L);
            if (d > 0) {
                delta.put(k, d);
                total += d;
            }
        }
        if (total == 0 || (lastAlertNs != Long.MIN_VALUE && nowNs - lastAlertNs < windowNs)) {
            return null;
        }
        for (String k : LOSS_COUNTERS) {
            reported.put(k, counters.getOrDefault(k, 0L));
        }
        lastAlertNs = nowNs;
        return envelope(delta, total);
    }

    private AlertEnvelope envelope(Map<String, Object> delta, long total) {
        String time = Instant.now().toString();
        String id = io.bulwark.contract.StableId.of("loss", node.hostname(), RULE, time, total);
        ProcessHandle self = ProcessHandle.current();
        int pid = (int) self.pid();
        ProcessInfo sensor = new ProcessInfo(pid, pid, self.parent().map(p -> (int) p.pid()).orElse(0), pid, 0, 0, -1,
                "bulwark", self.info().command().orElse("java"), List.of(), "bulwark up", 0, 0,
                new ProcessInfo.Namespaces(0, 0, 0, 0, 0, 0, 0), 0, 0, false, false, List.of());
        String output = "Sensor lost " + total + " events since the last report " + delta
                + ": a flood (possibly to blind the sensor) or an undersized node; see docs/sensor.md, Loss counters";
        Map<String, Object> fields = new LinkedHashMap<>(delta);
        fields.put("lost_total", total);
        AlertDetail d = new AlertDetail(id, time, RULE, Priority.ERROR.name(), Priority.ERROR.severity(), null, List.of(),
                List.of("sensor", "loss"), output, fields, 1, sensor, null, null, node,
                new Syscall("sensor_loss", delta, 0, null), new AlertDetail.Sensor(AlertFactory.VERSION, mode, action));
        return new AlertEnvelope("0", id, AlertEnvelope.DETAIL_TYPE, AlertEnvelope.SOURCE, null, time, null,
                List.of("node/" + node.hostname()), d);
    }
}
