package io.bulwark.sensor.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.Json;
import io.bulwark.contract.StableId;
import io.bulwark.outbox.OutboxReader;
import io.bulwark.outbox.Record;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full outbox says so: a log line, a CRITICAL Sensor Outbox Full alert to the console sinks and into the outbox itself. */
class AlertOutboxTest {
    @TempDir
    Path dir;

    static AlertEnvelope alert(int i, String priority) {
        String id = StableId.of("test", i);
        AlertDetail d = new AlertDetail(id, "2026-12-07T01:00:00Z", "Some Rule", priority, 5.0, "core-pattern", List.of(), List.of(),
                "x".repeat(900), Map.of(), 1, null, null, null, new AlertDetail.Node("n1", null, "6.18"), null,
                new AlertDetail.Sensor("0.1.0", "local", "none"));
        return new AlertEnvelope("0", id, AlertEnvelope.DETAIL_TYPE, AlertEnvelope.SOURCE, null, d.time(), null, List.of("node/n1"), d);
    }

    @Test
    void aFullOutboxRaisesOneCriticalAlarmThatIsKeptAndCountsWhatItRefused() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<AlertEnvelope> console = new ArrayList<>();
        int appended = 0;
        try (AlertOutbox box = new AlertOutbox(dir, 64 << 10, new AlertDetail.Node("n1", null, "6.18"), "local", "none",
                new PrintStream(log, true, StandardCharsets.UTF_8))) {
            box.alarmTo(List.of(console::add));
            for (int i = 0; i < 200; i++) {
                box.accept(alert(i, "WARNING"));
                appended++;
            }
            assertTrue(box.refusedCounts().get("WARNING") > 0, "WARNING refused past 95%: " + box.refusedCounts());
            box.accept(alert(1000, "CRITICAL")); // never refused
        }
        assertEquals(1, console.size(), "one alarm (at most one a minute): " + console);
        AlertEnvelope alarm = console.get(0);
        assertEquals(AlertOutbox.FULL_RULE, alarm.detail().rule());
        assertEquals("CRITICAL", alarm.detail().priority());
        assertTrue(log.toString().contains("OUTBOX FULL"), log.toString());

        OutboxReader r = new OutboxReader(dir, null, 0);
        List<Record> all = r.read(r.cursor(), 10_000, 1L << 30).records();
        assertTrue(all.stream().anyMatch(x -> x.id().equals(alarm.detail().id())), "the alarm is in the outbox, for the queue");
        assertTrue(all.stream().anyMatch(x -> x.id().equals(StableId.of("test", 1000))), "the CRITICAL alert is kept");
        Record first = all.get(0);
        assertEquals(alert(0, "WARNING").detail().id(), first.id());
        assertEquals("core-pattern", Json.mapper().readTree(first.payload()).path("detail").path("vector").asText(), "the envelope as JSON");
        assertTrue(all.size() < appended, "some were refused");
    }
}
