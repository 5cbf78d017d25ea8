package io.bulwark.functions.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.ClusterEscapeSurfaceReport;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.EscapeSurfaceReport;
import io.bulwark.contract.EscapeSurfaceReport.Band;
import io.bulwark.contract.EscapeSurfaceReport.ContainerRisk;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The merge rules on their own: ordering, late reports, partial reports, expiry, counts. */
class ClusterMergeTest {
    static final Instant T0 = Instant.parse("2026-11-28T16:00:00Z");
    static final Duration EXPIRY = Duration.ofMinutes(25);

    static ContainerRisk c(String id, int score, Band band, String ns) {
        return new ContainerRisk(id, id, "containerd", null, ns == null ? null : new ContainerInfo.K8s(ns, id + "-pod", null, id),
                score, band, List.of());
    }

    static ClusterMerge.Incoming in(String node, String id, Instant t, ContainerRisk... cs) {
        EscapeSurfaceReport r = new EscapeSurfaceReport(t.toString(), new AlertDetail.Node(node, null, "6.1"), Arrays.asList(cs),
                new EscapeSurfaceReport.Summary(cs.length, 0, 0, 0));
        return new ClusterMerge.Incoming(node, id, "audit/nodes/" + node + "/" + id + ".json", t, r);
    }

    /** Turns a merge result into the previous report of the next merge. */
    static ClusterEscapeSurfaceReport asReport(ClusterMerge.Result m) {
        return new ClusterEscapeSurfaceReport(T0.toString(), 1, null, null, m.nodes(), m.containers(), m.summary(), m.namespaces(),
                null, null, m.expired());
    }

    @Test
    void containersOfAllNodesAreSortedByScoreAndCounted() {
        ClusterMerge.Result a = ClusterMerge.merge(null, in("a", "r1", T0, c("x", 40, Band.MEDIUM, "shop"), c("y", 5, Band.LOW, null)),
                Map.of(), T0, EXPIRY);
        ClusterMerge.Result b = ClusterMerge.merge(asReport(a), in("b", "r2", T0, c("z", 90, Band.HIGH, "shop")), Map.of(), T0, EXPIRY);
        assertEquals(List.of("z", "x", "y"), b.containers().stream().map(ClusterEscapeSurfaceReport.Container::id).toList());
        assertEquals(new EscapeSurfaceReport.Summary(3, 1, 1, 1), b.summary());
        assertEquals(List.of(new ClusterEscapeSurfaceReport.NamespaceSummary("shop", 2, 1, 1, 0),
                new ClusterEscapeSurfaceReport.NamespaceSummary(null, 1, 0, 0, 1)), b.namespaces());
        assertEquals(List.of("a", "b"), b.nodes().stream().map(ClusterEscapeSurfaceReport.NodeEntry::node).toList());
    }

    @Test
    void olderReportChangesNothingAndSameReportTwiceChangesNothing() {
        ClusterMerge.Result first = ClusterMerge.merge(null, in("a", "r2", T0.plusSeconds(60), c("x", 40, Band.MEDIUM, null)), Map.of(),
                T0.plusSeconds(60), EXPIRY);
        ClusterMerge.Result late = ClusterMerge.merge(asReport(first), in("a", "r1", T0, c("x", 90, Band.HIGH, null)), Map.of(),
                T0.plusSeconds(61), EXPIRY);
        assertFalse(late.changed());
        assertEquals(40, late.containers().get(0).score());
        ClusterMerge.Result again = ClusterMerge.merge(asReport(first), in("a", "r2", T0.plusSeconds(60), c("x", 40, Band.MEDIUM, null)),
                Map.of(), T0.plusSeconds(61), EXPIRY);
        assertFalse(again.changed());
    }

    @Test
    void aContainerMissingFromAReportStaysUntilItExpires() {
        ClusterMerge.Result full = ClusterMerge.merge(null, in("a", "r1", T0, c("x", 40, Band.MEDIUM, null), c("y", 5, Band.LOW, null)),
                Map.of(), T0, EXPIRY);
        ClusterMerge.Result later = ClusterMerge.merge(asReport(full), in("a", "r2", T0.plusSeconds(600), c("x", 40, Band.MEDIUM, null)),
                Map.of(), T0.plusSeconds(600), EXPIRY);
        assertEquals(2, later.containers().size(), "y is not removed by a report that does not mention it");
        ClusterMerge.Result expired = ClusterMerge.merge(asReport(later), in("a", "r3", T0.plusSeconds(1800), c("x", 40, Band.MEDIUM, null)),
                Map.of(), T0.plusSeconds(1800), EXPIRY);
        assertEquals(List.of("x"), expired.containers().stream().map(ClusterEscapeSurfaceReport.Container::id).toList());
        assertEquals(1, expired.expired().containers());
    }

    @Test
    void aSilentNodeExpiresWithItsContainers() {
        ClusterMerge.Result a = ClusterMerge.merge(null, in("a", "r1", T0, c("x", 40, Band.MEDIUM, null)), Map.of(), T0, EXPIRY);
        Instant later = T0.plus(EXPIRY).plusSeconds(1);
        ClusterMerge.Result b = ClusterMerge.merge(asReport(a), in("b", "r2", later, c("z", 90, Band.HIGH, null)), Map.of(), later, EXPIRY);
        assertEquals(List.of("b"), b.nodes().stream().map(ClusterEscapeSurfaceReport.NodeEntry::node).toList());
        assertEquals(List.of("a"), b.expired().nodes());
        assertEquals(1, b.expired().containers());
        assertTrue(b.containers().stream().allMatch(c -> c.node().equals("b")));
    }

    @Test
    void highInThePreviousViewIsRemembered() {
        ClusterMerge.Result a = ClusterMerge.merge(null, in("a", "r1", T0, c("x", 90, Band.HIGH, null)), Map.of(), T0, EXPIRY);
        ClusterMerge.Result b = ClusterMerge.merge(asReport(a), in("a", "r2", T0.plusSeconds(1), c("x", 95, Band.HIGH, null)), Map.of(),
                T0.plusSeconds(1), EXPIRY);
        assertEquals(List.of("a/x"), b.wasHigh());
        assertEquals(1, b.applied().size());
    }
}
