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

/** The merge rules on their own: ordering, late reports, container-scope and complete (node-scope) reports, removal, expiry, counts. */
class ClusterMergeTest {
    static final Instant T0 = Instant.parse("2026-11-28T16:00:00Z");
    static final Duration EXPIRY = Duration.ofMinutes(25);

    static ContainerRisk c(String id, int score, Band band, String ns) {
        return new ContainerRisk(id, id, "containerd", null, ns == null ? null : new ContainerInfo.K8s(ns, id + "-pod", null, id),
                score, band, List.of());
    }

    /** A container-start report (scope container): says nothing about containers it does not list. */
    static ClusterMerge.Incoming in(String node, String id, Instant t, ContainerRisk... cs) {
        return in(EscapeSurfaceReport.SCOPE_CONTAINER, node, id, t, cs);
    }

    /** A complete inventory of the node (scope node). */
    static ClusterMerge.Incoming full(String node, String id, Instant t, ContainerRisk... cs) {
        return in(EscapeSurfaceReport.SCOPE_NODE, node, id, t, cs);
    }

    static ClusterMerge.Incoming in(String scope, String node, String id, Instant t, ContainerRisk... cs) {
        EscapeSurfaceReport r = EscapeSurfaceReport.of(t.toString(), scope, new AlertDetail.Node(node, null, "6.1"), Arrays.asList(cs),
                new EscapeSurfaceReport.Summary(cs.length, 0, 0, 0));
        return new ClusterMerge.Incoming(node, id, "audit/nodes/" + node + "/" + id + ".json", t, r);
    }

    /** Turns a merge result into the previous report of the next merge. */
    static ClusterEscapeSurfaceReport asReport(ClusterMerge.Result m) {
        return new ClusterEscapeSurfaceReport(T0.toString(), 1, null, null, m.nodes(), m.containers(), m.summary(), m.namespaces(),
                null, null, m.expired(), m.removed());
    }

    static List<String> ids(ClusterMerge.Result m) {
        return m.containers().stream().map(c -> c.node() + "/" + c.id()).sorted().toList();
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
    void aContainerMissingFromAContainerScopeReportStaysUntilItExpires() {
        ClusterMerge.Result full = ClusterMerge.merge(null, in("a", "r1", T0, c("x", 40, Band.MEDIUM, null), c("y", 5, Band.LOW, null)),
                Map.of(), T0, EXPIRY);
        ClusterMerge.Result later = ClusterMerge.merge(asReport(full), in("a", "r2", T0.plusSeconds(600), c("x", 40, Band.MEDIUM, null)),
                Map.of(), T0.plusSeconds(600), EXPIRY);
        assertEquals(2, later.containers().size(), "y is not removed by a report that does not mention it");
        assertEquals(List.of(), later.removed());
        assertEquals(EscapeSurfaceReport.SCOPE_CONTAINER, later.scope());
        ClusterMerge.Result expired = ClusterMerge.merge(asReport(later), in("a", "r3", T0.plusSeconds(1800), c("x", 40, Band.MEDIUM, null)),
                Map.of(), T0.plusSeconds(1800), EXPIRY);
        assertEquals(List.of("x"), expired.containers().stream().map(ClusterEscapeSurfaceReport.Container::id).toList());
        assertEquals(1, expired.expired().containers(), "the expiry stays as the backstop");
        assertEquals(List.of(), expired.removed());
    }

    @Test
    void aCompleteInventoryRemovesTheNodesContainersItLeavesOutAndSaysWhichReportDidIt() {
        ClusterMerge.Result first = ClusterMerge.merge(null, full("a", "r1", T0, c("x", 40, Band.MEDIUM, "shop"), c("y", 90, Band.HIGH, "shop")),
                Map.of(), T0, EXPIRY);
        ClusterMerge.Result other = ClusterMerge.merge(asReport(first), full("b", "r2", T0.plusSeconds(1), c("z", 5, Band.LOW, null)),
                Map.of(), T0.plusSeconds(1), EXPIRY);
        assertEquals(List.of(), other.removed(), "another node's inventory says nothing about node a");
        ClusterMerge.Result started = ClusterMerge.merge(asReport(other), in("a", "r3", T0.plusSeconds(30), c("w", 60, Band.HIGH, null)),
                Map.of(), T0.plusSeconds(30), EXPIRY);
        assertEquals(List.of("a/w", "a/x", "a/y", "b/z"), ids(started));

        // y stopped, w stopped: the next inventory lists x only
        Instant t = T0.plusSeconds(600);
        ClusterMerge.Result next = ClusterMerge.merge(asReport(started), full("a", "r4", t, c("x", 40, Band.MEDIUM, "shop")), Map.of(), t, EXPIRY);
        assertEquals(List.of("a/x", "b/z"), ids(next));
        assertTrue(next.changed());
        assertEquals(EscapeSurfaceReport.SCOPE_NODE, next.scope());
        assertEquals(List.of(
                new ClusterEscapeSurfaceReport.Removed("a", "y", "y", null, new ContainerInfo.K8s("shop", "y-pod", null, "y"), 90, Band.HIGH,
                        "r1", T0.toString(), "r4"),
                new ClusterEscapeSurfaceReport.Removed("a", "w", "w", null, null, 60, Band.HIGH, "r3", T0.plusSeconds(30).toString(), "r4")),
                next.removed().stream().sorted((p, q) -> q.id().compareTo(p.id())).toList());
        assertEquals(0, next.expired().containers(), "removed, not expired");
        assertEquals(new EscapeSurfaceReport.Summary(2, 0, 1, 1), next.summary());
        ClusterEscapeSurfaceReport.NodeEntry a = next.nodes().get(0);
        assertEquals(List.of("a", "r4", 1), List.of(a.node(), a.reportId(), a.containers()));
        assertEquals(List.of(new ClusterEscapeSurfaceReport.NamespaceSummary("shop", 1, 0, 1, 0),
                new ClusterEscapeSurfaceReport.NamespaceSummary(null, 1, 0, 0, 1)), next.namespaces());

        ClusterMerge.Result again = ClusterMerge.merge(asReport(next), full("a", "r4", t, c("x", 40, Band.MEDIUM, "shop")), Map.of(),
                t.plusSeconds(1), EXPIRY);
        assertFalse(again.changed(), "the same inventory delivered twice removes nothing more");
        assertEquals(List.of(), again.removed());
    }

    @Test
    void aLateInventoryDoesNotRemoveAContainerANewerReportListed() {
        ClusterMerge.Result first = ClusterMerge.merge(null, full("a", "r1", T0, c("x", 40, Band.MEDIUM, null), c("old", 10, Band.LOW, null)),
                Map.of(), T0, EXPIRY);
        // w starts at T0+20; the inventory taken at T0+10 (before w existed, after "old" stopped) arrives after w's start report
        ClusterMerge.Result started = ClusterMerge.merge(asReport(first), in("a", "r3", T0.plusSeconds(20), c("w", 60, Band.HIGH, null)),
                Map.of(), T0.plusSeconds(21), EXPIRY);
        ClusterMerge.Result late = ClusterMerge.merge(asReport(started), full("a", "r2", T0.plusSeconds(10), c("x", 45, Band.MEDIUM, null)),
                Map.of(), T0.plusSeconds(22), EXPIRY);
        assertEquals(List.of("a/w", "a/x"), ids(late), "w was seen after the inventory was taken: it stays; 'old' was not: it goes");
        assertEquals(List.of("old"), late.removed().stream().map(ClusterEscapeSurfaceReport.Removed::id).toList());
        assertEquals(45, late.containers().stream().filter(c -> c.id().equals("x")).findFirst().orElseThrow().score(),
                "x is updated: the inventory is newer than what the view held for x");
        assertEquals("r3", late.nodes().get(0).reportId(), "the node's latest pointer does not move back");

        // an inventory from the very time w was last seen does not remove it either: only a strictly newer one does
        ClusterMerge.Result tie = ClusterMerge.merge(asReport(late), full("a", "r9", T0.plusSeconds(20), c("x", 45, Band.MEDIUM, null)),
                Map.of(), T0.plusSeconds(23), EXPIRY);
        assertEquals(List.of("a/w", "a/x"), ids(tie));
        ClusterMerge.Result after = ClusterMerge.merge(asReport(tie), full("a", "r4", T0.plusSeconds(600), c("x", 45, Band.MEDIUM, null)),
                Map.of(), T0.plusSeconds(600), EXPIRY);
        assertEquals(List.of("a/x"), ids(after));
        assertEquals("r3", after.removed().get(0).lastReportId());
    }

    @Test
    void aReportWithoutScopeOrWithAnUnknownOneRemovesNothing() {
        ClusterMerge.Result first = ClusterMerge.merge(null, full("a", "r1", T0, c("x", 40, Band.MEDIUM, null), c("y", 90, Band.HIGH, null)),
                Map.of(), T0, EXPIRY);
        int n = 2;
        for (String scope : Arrays.asList(null, "container", "namespace", "NODE")) {
            Instant t = T0.plusSeconds(60L * n++);
            ClusterMerge.Result m = ClusterMerge.merge(asReport(first), in(scope, "a", "r" + n, t, c("x", 40, Band.MEDIUM, null)),
                    Map.of(), t, EXPIRY);
            assertEquals(List.of("a/x", "a/y"), ids(m), "scope " + scope);
            assertEquals(List.of(), m.removed(), "scope " + scope);
            assertEquals(EscapeSurfaceReport.SCOPE_CONTAINER, m.scope(), "scope " + scope + " is merged as container");
        }
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
