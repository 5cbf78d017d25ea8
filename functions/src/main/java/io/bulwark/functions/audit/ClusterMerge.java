package io.bulwark.functions.audit;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.ClusterEscapeSurfaceReport;
import io.bulwark.contract.ClusterEscapeSurfaceReport.Container;
import io.bulwark.contract.ClusterEscapeSurfaceReport.NamespaceSummary;
import io.bulwark.contract.ClusterEscapeSurfaceReport.NodeEntry;
import io.bulwark.contract.ClusterEscapeSurfaceReport.Pod;
import io.bulwark.contract.ClusterEscapeSurfaceReport.Removed;
import io.bulwark.contract.EscapeSurfaceReport;
import io.bulwark.contract.EscapeSurfaceReport.Band;
import io.bulwark.contract.EscapeSurfaceReport.ContainerRisk;
import io.bulwark.functions.enrich.PodEnricher;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * How a node report changes the cluster view (pure: no I/O, so every rule is tested directly).
 *
 * <ul>
 *   <li>Containers are kept per (node, container id) with the time of the report that last
 *       mentioned them. A container of the incoming report replaces the kept one only when the
 *       report is newer (EventBridge may deliver late or twice), and then takes this run's pod
 *       facts.</li>
 *   <li>A report of scope {@code node} is the node's complete inventory at its time: a container
 *       of that node it leaves out is removed, but only when the report is newer than the one
 *       that last listed the container (times compared per container, so a late inventory never
 *       removes a container a newer report has shown). Each removal is listed with the report
 *       that made it ({@link Removed}).</li>
 *   <li>A report of scope {@code container} (the sensor's container-start report), or without a
 *       scope (older sensors), or with one this code does not know, removes nothing.</li>
 *   <li>Backstop: a container leaves the view when no report has mentioned it for the expiry; a
 *       node, when its newest report is older than that.</li>
 *   <li>The node's entry (its newest report: the per-node latest pointer) moves only forward.</li>
 * </ul>
 */
public final class ClusterMerge {

    /** The node report being merged. */
    public record Incoming(String node, String reportId, String reportKey, Instant time, EscapeSurfaceReport report) {}

    /**
     * The merged view.
     *
     * @param applied   the containers of the incoming report that changed the view (in report order)
     * @param removed   containers of the node that the incoming complete inventory left out (in view order)
     * @param wasHigh   container keys (node/id) that were HIGH in the previous view
     * @param nodeMoved the node's latest pointer moved to the incoming report
     * @param scope     the scope the merge applied: node, or container (also for a missing or unknown scope)
     */
    public record Result(List<Container> containers, List<NodeEntry> nodes, EscapeSurfaceReport.Summary summary,
                         List<NamespaceSummary> namespaces, List<Container> applied, List<Removed> removed,
                         List<String> wasHigh, boolean nodeMoved, ClusterEscapeSurfaceReport.Expired expired, String scope) {

        public boolean changed() {
            return !applied.isEmpty() || !removed.isEmpty() || nodeMoved || expired.containers() > 0 || !expired.nodes().isEmpty();
        }
    }

    private ClusterMerge() {}

    public static String containerKey(String node, String id) {
        return node + "/" + id;
    }

    public static Result merge(ClusterEscapeSurfaceReport previous, Incoming in, Map<String, Pod> pods, Instant now, Duration expiry) {
        Instant cutoff = now.minus(expiry);
        Map<String, Container> byKey = new LinkedHashMap<>();
        Map<String, NodeEntry> nodes = new TreeMap<>();
        List<String> wasHigh = new ArrayList<>();
        if (previous != null) {
            for (Container c : previous.containers()) {
                byKey.put(containerKey(c.node(), c.id()), c);
                if (c.band() == Band.HIGH) {
                    wasHigh.add(containerKey(c.node(), c.id()));
                }
            }
            for (NodeEntry n : previous.nodes()) {
                nodes.put(n.node(), n);
            }
        }

        List<Container> applied = new ArrayList<>();
        List<Removed> removed = new ArrayList<>();
        boolean complete = in.report().completeInventory();
        if (!in.time().isBefore(cutoff)) {
            Set<String> listed = new HashSet<>();
            for (ContainerRisk r : in.report().containers()) {
                listed.add(r.id());
            }
            if (complete) {
                // a complete inventory: the node's containers it leaves out were gone at its time,
                // unless a newer report (e.g. a start report delivered first) has listed them since
                for (var it = byKey.values().iterator(); it.hasNext(); ) {
                    Container c = it.next();
                    if (c.node().equals(in.node()) && !listed.contains(c.id()) && in.time().isAfter(Instant.parse(c.reportTime()))) {
                        it.remove();
                        removed.add(new Removed(c.node(), c.id(), c.name(), c.image(), c.k8s(), c.score(), c.band(),
                                c.reportId(), c.reportTime(), in.reportId()));
                    }
                }
            }
            for (ContainerRisk r : in.report().containers()) {
                String key = containerKey(in.node(), r.id());
                Container old = byKey.get(key);
                if (old == null || newer(in, old.reportTime(), old.reportId())) {
                    String podKey = PodEnricher.key(r.k8s());
                    Pod pod = pods == null || podKey == null ? null : pods.get(podKey);
                    Container c = new Container(in.node(), r.id(), r.name(), r.runtime(), r.image(), r.k8s(), r.score(),
                            r.band(), r.factors() == null ? List.of() : r.factors(), in.reportId(), in.time().toString(), pod);
                    byKey.put(key, c);
                    applied.add(c);
                }
            }
        }
        NodeEntry oldNode = nodes.get(in.node());
        boolean nodeMoved = !in.time().isBefore(cutoff) && (oldNode == null || newer(in, oldNode.reportTime(), oldNode.reportId()));
        AlertDetail.Node id = in.report().node();
        if (nodeMoved) {
            nodes.put(in.node(), new NodeEntry(in.node(), id == null ? null : id.hostname(), id == null ? null : id.instanceId(),
                    id == null ? null : id.kernel(), in.reportId(), in.reportKey(), in.time().toString(), 0, 0, 0, 0));
        }

        // expiry
        int expiredContainers = 0;
        for (var it = byKey.values().iterator(); it.hasNext(); ) {
            if (Instant.parse(it.next().reportTime()).isBefore(cutoff)) {
                it.remove();
                expiredContainers++;
            }
        }
        List<String> expiredNodes = new ArrayList<>();
        for (var it = nodes.values().iterator(); it.hasNext(); ) {
            NodeEntry n = it.next();
            if (Instant.parse(n.reportTime()).isBefore(cutoff)) {
                it.remove();
                expiredNodes.add(n.node());
            }
        }
        // containers of a node that has no entry any more cannot be shown: they expired with it
        for (var it = byKey.values().iterator(); it.hasNext(); ) {
            if (!nodes.containsKey(it.next().node())) {
                it.remove();
                expiredContainers++;
            }
        }

        List<Container> containers = new ArrayList<>(byKey.values());
        containers.sort(Comparator.comparingInt(Container::score).reversed()
                .thenComparing(c -> c.band().ordinal(), Comparator.reverseOrder())
                .thenComparing(Container::node).thenComparing(Container::id));

        List<NodeEntry> nodeList = new ArrayList<>();
        for (NodeEntry n : nodes.values()) {
            int[] k = count(containers.stream().filter(c -> c.node().equals(n.node())).toList());
            nodeList.add(new NodeEntry(n.node(), n.hostname(), n.instanceId(), n.kernel(), n.reportId(), n.reportKey(),
                    n.reportTime(), k[0], k[1], k[2], k[3]));
        }
        int[] all = count(containers);
        Map<String, List<Container>> byNs = new LinkedHashMap<>();
        for (Container c : containers) {
            byNs.computeIfAbsent(c.k8s() == null ? null : c.k8s().namespace(), x -> new ArrayList<>()).add(c);
        }
        List<NamespaceSummary> namespaces = new ArrayList<>();
        byNs.forEach((ns, list) -> {
            int[] k = count(list);
            namespaces.add(new NamespaceSummary(ns, k[0], k[1], k[2], k[3]));
        });
        namespaces.sort(Comparator.comparingInt(NamespaceSummary::high).reversed()
                .thenComparing(Comparator.comparingInt(NamespaceSummary::medium).reversed())
                .thenComparing(NamespaceSummary::namespace, Comparator.nullsLast(Comparator.naturalOrder())));
        return new Result(List.copyOf(containers), List.copyOf(nodeList), new EscapeSurfaceReport.Summary(all[0], all[1], all[2], all[3]),
                List.copyOf(namespaces), List.copyOf(applied), List.copyOf(removed), List.copyOf(wasHigh), nodeMoved,
                new ClusterEscapeSurfaceReport.Expired(expiredContainers, List.copyOf(expiredNodes)),
                complete ? EscapeSurfaceReport.SCOPE_NODE : EscapeSurfaceReport.SCOPE_CONTAINER);
    }

    /** The incoming report is newer than (time, id); equal times fall back to the id so that the order is total. */
    private static boolean newer(Incoming in, String time, String reportId) {
        int cmp = in.time().compareTo(Instant.parse(time));
        return cmp > 0 || (cmp == 0 && !Objects.equals(in.reportId(), reportId) && in.reportId().compareTo(reportId) > 0);
    }

    private static int[] count(List<Container> cs) {
        int h = 0, m = 0, l = 0;
        for (Container c : cs) {
            switch (c.band()) {
                case HIGH -> h++;
                case MEDIUM -> m++;
                case LOW -> l++;
            }
        }
        return new int[] {cs.size(), h, m, l};
    }
}
