package io.bulwark.delivery;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.Json;
import io.bulwark.contract.Priority;
import io.bulwark.contract.StableId;
import io.bulwark.outbox.Rank;
import io.bulwark.outbox.Record;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code bulwark test-alert}: one harmless synthetic alert straight to every configured target,
 * with what each said. The alert is INFORMATIONAL with no vector, so no playbook pattern
 * (critical-alert, confirmed vectors) matches it; it is archived and queued like any alert.
 */
final class TestAlert {
    static final String RULE = "Bulwark Test Alert";

    private TestAlert() {}

    static AlertEnvelope envelope(String node) {
        String time = Instant.now().toString();
        String id = StableId.of("test-alert", node, time);
        AlertDetail d = new AlertDetail(id, time, RULE, Priority.INFORMATIONAL.name(), Priority.INFORMATIONAL.severity(), null, List.of(),
                List.of("test"), "Synthetic test alert from bulwark test-alert on " + node + ": nothing happened; it checks that alerts reach every output",
                Map.of("test", true), 1, null, null, null, new AlertDetail.Node(node, null, System.getProperty("os.version")), null,
                new AlertDetail.Sensor("0.1.0", "test", "none"));
        return new AlertEnvelope("0", id, AlertEnvelope.DETAIL_TYPE, AlertEnvelope.SOURCE, null, time, null, List.of("node/" + node), d);
    }

    static int send(String node, List<Target> targets, String queueUrl, String bus, boolean local, PrintStream out) throws Exception {
        AlertEnvelope a = envelope(node);
        Item it = Item.of(new Record(Rank.INFO, System.currentTimeMillis(), a.detail().id(), Json.line(a).getBytes(StandardCharsets.UTF_8), null));
        out.println("bulwark test-alert: " + RULE + " detail.id=" + a.detail().id());
        int failed = 0;
        for (Target t : targets) {
            long t0 = System.nanoTime();
            String where = t.name().equals("sqs") ? queueUrl : "bus " + bus;
            try {
                List<Target.Failure> f = t.call(List.of(it));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                if (f.isEmpty()) {
                    out.println("  " + t.name() + ": delivered to " + where + " in " + ms + " ms");
                } else {
                    failed++;
                    out.println("  " + t.name() + ": REFUSED by " + where + ": " + f.get(0).code() + ": " + f.get(0).message());
                }
            } catch (Exception e) {
                failed++;
                out.println("  " + t.name() + ": FAILED to reach " + where + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        if (local && failed == 0 && bus != null) {
            out.println("  local archive: var/archive/bulwark-archive/alerts/dt=" + a.detail().time().substring(0, 10)
                    + "/ (the bus's sensor-alert rule, within a second)");
        }
        out.println(failed == 0 ? "bulwark test-alert: every output took it" : "bulwark test-alert: " + failed + " output(s) did not take it");
        return failed == 0 ? 0 : 1;
    }
}
