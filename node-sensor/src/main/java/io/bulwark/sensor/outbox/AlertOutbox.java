package io.bulwark.sensor.outbox;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.Json;
import io.bulwark.contract.Priority;
import io.bulwark.contract.ProcessInfo;
import io.bulwark.contract.ReportEnvelope;
import io.bulwark.contract.StableId;
import io.bulwark.contract.Syscall;
import io.bulwark.outbox.OutboxWriter;
import io.bulwark.outbox.Rank;
import io.bulwark.sensor.alert.AlertFactory;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The sensor's end of delivery: every alert and audit report envelope is appended to the node's
 * outbox ({@link OutboxWriter}) on the thread that raised it, before that thread returns to the
 * ring buffer; the shipper ({@code bulwark ship}, or the local stack) delivers from there to SQS
 * and EventBridge. Nothing here touches the network.
 *
 * <p>When the outbox refuses a record (full for its rank), that is said loudly: a line on standard
 * error at most every 10 s with the counts, and a CRITICAL {@code Sensor Outbox Full} alert (at
 * most one a minute) to the console sinks and into the outbox itself (CRITICAL is never refused),
 * so it reaches the queue once delivery resumes.
 */
public final class AlertOutbox implements Consumer<Object>, AutoCloseable {
    public static final String FULL_RULE = "Sensor Outbox Full";

    private final OutboxWriter writer;
    private final AlertDetail.Node node;
    private final String mode;
    private final String action;
    private final PrintStream log;
    private volatile List<Consumer<AlertEnvelope>> alarmSinks = List.of();
    private long lastLog;
    private long lastAlarm;
    private long refusedSinceAlarm;

    public AlertOutbox(Path dir, long capacityBytes, AlertDetail.Node node, String mode, String action, PrintStream log) {
        this.node = node;
        this.mode = mode;
        this.action = action;
        this.log = log;
        long segment = Math.min(4L << 20, Math.max(64L << 10, capacityBytes / 16));
        this.writer = new OutboxWriter(dir, segment, capacityBytes, 50, this::refused);
    }

    /** Where the Outbox Full alarm goes besides the outbox (the console and --alerts file). */
    public void alarmTo(List<Consumer<AlertEnvelope>> sinks) {
        this.alarmSinks = List.copyOf(sinks);
    }

    public OutboxWriter writer() {
        return writer;
    }

    @Override
    public void accept(Object envelope) {
        String id;
        int rank;
        if (envelope instanceof AlertEnvelope a) {
            id = a.detail().id();
            rank = Rank.of(a.detail().priority());
        } else if (envelope instanceof io.bulwark.contract.ActionEnvelope ae) {
            id = ae.detail().id();
            rank = Rank.CRITICAL; // the audit record of an action on the node: never refused
        } else if (envelope instanceof ReportEnvelope r) {
            id = r.detail().id() != null ? r.detail().id() : r.id();
            rank = Rank.INFO; // the next periodic audit says it again
        } else {
            throw new IllegalArgumentException("not an event envelope: " + envelope.getClass().getName());
        }
        writer.append(rank, id, Json.line(envelope).getBytes(StandardCharsets.UTF_8));
    }

    private void refused(int rank, long used, long capacity) {
        refusedSinceAlarm++;
        long now = System.nanoTime();
        if (lastLog == 0 || now - lastLog > 10_000_000_000L) {
            lastLog = now;
            log.println("bulwark up: OUTBOX FULL (" + used + " of " + capacity + " bytes in " + writer.dir()
                    + "): refusing " + Rank.name(rank) + " and less important alerts; refused so far: " + refusedCounts()
                    + ". Is delivery (bulwark ship / the local stack) running and reaching its targets?");
        }
        if (lastAlarm == 0 || now - lastAlarm > 60_000_000_000L) {
            lastAlarm = now;
            AlertEnvelope alarm = alarm(used, capacity, refusedSinceAlarm);
            refusedSinceAlarm = 0;
            for (Consumer<AlertEnvelope> s : alarmSinks) {
                try {
                    s.accept(alarm);
                } catch (RuntimeException e) {
                    log.println("bulwark up: cannot report the full outbox to a sink: " + e);
                }
            }
            writer.append(Rank.CRITICAL, alarm.detail().id(), Json.line(alarm).getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Refused records by rank name, only the ranks with any. */
    public Map<String, Long> refusedCounts() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int r = 7; r >= 0; r--) {
            if (writer.refused(r) > 0) {
                m.put(Rank.name(r), writer.refused(r));
            }
        }
        return m;
    }

    private AlertEnvelope alarm(long used, long capacity, long refusedNow) {
        String time = Instant.now().toString();
        String id = StableId.of("outbox-full", node.hostname(), time);
        ProcessHandle self = ProcessHandle.current();
        int pid = (int) self.pid();
        ProcessInfo sensor = new ProcessInfo(pid, pid, self.parent().map(p -> (int) p.pid()).orElse(0), pid, 0, 0, -1,
                "bulwark", self.info().command().orElse("java"), List.of(), "bulwark up", 0, 0,
                new ProcessInfo.Namespaces(0, 0, 0, 0, 0, 0, 0), 0, 0, false, false, List.of());
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("outbox.dir", writer.dir().toString());
        fields.put("outbox.used_bytes", used);
        fields.put("outbox.capacity_bytes", capacity);
        fields.put("outbox.refused", refusedCounts());
        fields.put("outbox.refused_since_last_report", refusedNow);
        String output = "Sensor outbox full (" + used + " of " + capacity + " bytes): alerts below CRITICAL are being dropped, "
                + refusedCounts() + " so far; delivery is not keeping up or cannot reach its targets";
        AlertDetail d = new AlertDetail(id, time, FULL_RULE, Priority.CRITICAL.name(), Priority.CRITICAL.severity(), null, List.of(),
                List.of("sensor", "outbox", "loss"), output, fields, 1, sensor, null, null, node,
                new Syscall("sensor_outbox_full", Map.of(), 0, null), new AlertDetail.Sensor(AlertFactory.VERSION, mode, action));
        return new AlertEnvelope("0", id, AlertEnvelope.DETAIL_TYPE, AlertEnvelope.SOURCE, null, time, null,
                List.of("node/" + node.hostname()), d);
    }

    @Override
    public void close() {
        writer.close();
    }
}
