package io.bulwark.sensor.act;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.ActionRecord;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.response.Guardrails;
import io.bulwark.sensor.testing.RuncContainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fast path's rate limits on real runc containers: past the playbook's max_actions, or the node's limit, a
 * container is not frozen, the refusal is audited and the alert says freeze-refused:rate-limit; once the window has
 * slid, freezing works again; a dry run takes no slot. Every container is thawed and removed even on failure.
 */
@Tag("containers")
@Timeout(180)
class FastPathRateLimitTest {
    @TempDir
    Path dir;

    /** A clock the test moves. */
    static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-12-07T03:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    PlaybookPolicy playbook(String maxActions, boolean dryRun) throws Exception {
        Files.writeString(dir.resolve("freeze.yaml"), """
                name: freeze-escapes
                match: {"source": ["bulwark.sensor"], "detail": {"priority": ["CRITICAL"]}}
                %s
                guardrails:
                  max_actions: %s
                steps:
                  - id: evidence
                    action: node.evidence
                  - id: freeze
                    action: node.freeze
                """.formatted(dryRun ? "dry_run: true" : "", maxActions));
        return PlaybookPolicy.load(dir);
    }

    static String alertIn(FastPath fp, RuncContainer c, String id) {
        AlertEnvelope a = fp.before(PolicyAndIncidentsTest.alert(id, "2026-12-07T03:00:00Z", "CRITICAL", "core-pattern", c.id()));
        return a.detail().sensor().action();
    }

    @Test
    void pastThePlaybooksMaxActionsNothingIsFrozenAndTheRefusalIsAuditedUntilTheWindowSlides() throws Exception {
        List<ActionRecord> audit = new ArrayList<>();
        MovableClock clock = new MovableClock();
        FastPath fp = new FastPath(new IncidentTracker("test-node"), playbook("{count: 2, window: 10m}", false),
                NodeActionsRuncTest.actions(false, audit), Evidence.NONE, true, FastPath.NODE_LIMIT, clock);
        try (RuncContainer a = NodeActionsRuncTest.counter().start(); RuncContainer b = NodeActionsRuncTest.counter().start();
             RuncContainer c = NodeActionsRuncTest.counter().start()) {
            try {
                assertEquals("frozen", alertIn(fp, a, "a1"));
                assertEquals("frozen", alertIn(fp, a, "a2"), "already frozen: no new action, no slot used");
                clock.now = clock.now.plusSeconds(60);
                assertEquals("frozen", alertIn(fp, b, "b1"));
                assertEquals("freeze-refused:rate-limit", alertIn(fp, c, "c1"));
                assertTrue(NodeActionsRuncTest.events(c).contains("frozen 0"), "c is untouched: " + NodeActionsRuncTest.events(c));
                long before = NodeActionsRuncTest.count(c);
                Thread.sleep(100);
                assertTrue(NodeActionsRuncTest.count(c) > before, "c still runs");
                ActionRecord refused = audit.get(audit.size() - 1);
                assertEquals(ActionRecord.REFUSED, refused.result());
                assertEquals("rate-limit: playbook freeze-escapes's max_actions reached (2 actions per 10m)", refused.reason());
                assertEquals(c.id(), refused.target().container());
                assertEquals("c1", refused.alertId());
                assertEquals(3, audit.size(), "two freezes and the refusal: " + audit);

                // ten minutes after the first freeze its slot is free again (the second one's is not)
                clock.now = Instant.parse("2026-12-07T03:10:00Z");
                assertEquals("frozen", alertIn(fp, c, "c2"));
                assertTrue(NodeActionsRuncTest.events(c).contains("frozen 1"), NodeActionsRuncTest.events(c));
            } finally {
                NodeActionsRuncTest.thaw(a);
                NodeActionsRuncTest.thaw(b);
                NodeActionsRuncTest.thaw(c);
            }
        }
    }

    @Test
    void theNodesLimitHoldsAcrossPlaybooksAndADryRunTakesNoSlot() throws Exception {
        List<ActionRecord> audit = new ArrayList<>();
        MovableClock clock = new MovableClock();
        Guardrails.RateLimit one = new Guardrails.RateLimit(1, Duration.ofMinutes(5));
        try (RuncContainer a = NodeActionsRuncTest.counter().start(); RuncContainer b = NodeActionsRuncTest.counter().start()) {
            try {
                FastPath dry = new FastPath(new IncidentTracker("test-node"), playbook("{count: 100, window: 10m}", true),
                        NodeActionsRuncTest.actions(false, audit), Evidence.NONE, true, one, clock);
                assertEquals("dry-run:freeze", alertIn(dry, a, "d1"));
                assertEquals("dry-run:freeze", alertIn(dry, b, "d2"), "dry runs take no slot");

                FastPath fp = new FastPath(new IncidentTracker("test-node"), playbook("{count: 100, window: 10m}", false),
                        NodeActionsRuncTest.actions(false, audit), Evidence.NONE, true, one, clock);
                assertEquals("frozen", alertIn(fp, a, "a1"));
                assertEquals("freeze-refused:rate-limit", alertIn(fp, b, "b1"));
                assertEquals("rate-limit: the node's fast-path limit reached (1 actions per 5m)", audit.get(audit.size() - 1).reason());
                assertTrue(NodeActionsRuncTest.events(b).contains("frozen 0"), NodeActionsRuncTest.events(b));
            } finally {
                NodeActionsRuncTest.thaw(a);
                NodeActionsRuncTest.thaw(b);
            }
        }
    }
}
