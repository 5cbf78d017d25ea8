package io.bulwark.sensor.alert;

import io.bulwark.contract.AlertDetail;
import io.bulwark.contract.AlertEnvelope;
import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.SensorEvent;
import io.bulwark.sensor.rules.Rule;
import io.bulwark.sensor.rules.RuleMatch;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builds alert envelopes (the EventBridge contract, docs/alerts.md) from rule matches. */
public final class AlertFactory {
    public static final String VERSION = "0.1.0";

    private final AlertDetail.Node node;
    private final String mode;
    private final String action;
    private final java.util.function.Supplier<java.util.Map<String, String>> runtimes;
    /** The node block with the runtime versions last seen (rebuilt only when they change). */
    private volatile AlertDetail.Node withRuntimes;

    /**
     * @param mode   sensor mode: {@code local} or {@code aws}
     * @param action what the sensor does on an alert: {@code none}, {@code dry-run}
     */
    public AlertFactory(AlertDetail.Node node, String mode, String action) {
        this(node, mode, action, RuntimeVersions.shared()::current);
    }

    /**
     * @param runtimes the node's container runtime versions now ({@link RuntimeVersions#current()}); read on
     *                 every alert, so it must not block
     */
    public AlertFactory(AlertDetail.Node node, String mode, String action,
                        java.util.function.Supplier<java.util.Map<String, String>> runtimes) {
        this.node = node;
        this.mode = mode;
        this.action = action;
        this.runtimes = runtimes;
        this.withRuntimes = node;
    }

    /** The node block for an alert made now: the identity plus the runtime versions known (absent when none). */
    AlertDetail.Node node() {
        java.util.Map<String, String> r = runtimes.get();
        AlertDetail.Node n = withRuntimes;
        java.util.Map<String, String> known = r == null || r.isEmpty() ? node.runtimes() : r;
        if (java.util.Objects.equals(n.runtimes(), known)) {
            return n;
        }
        n = new AlertDetail.Node(node.hostname(), node.instanceId(), node.kernel(), known, node.commandKey());
        withRuntimes = n;
        return n;
    }

    public static String iso(long epochNanos) {
        return Instant.ofEpochSecond(epochNanos / 1_000_000_000L, epochNanos % 1_000_000_000L).toString();
    }

    public AlertEnvelope create(RuleMatch m, SensorEvent e, int count) {
        Rule r = m.rule();
        AlertDetail.Node node = node();
        // one syscall of one thread matched one rule: the same facts on a redelivery (or a re-read of the
        // ring after a restart) give the same id; a coalesced summary differs by its count
        String id = io.bulwark.contract.StableId.of("alert", node.hostname(), r.name(), e.time(),
                e.process() == null ? 0 : e.process().tid(), count);
        String time = iso(e.time());
        ContainerInfo c = e.container();
        List<String> resources = new ArrayList<>();
        if (node.instanceId() != null) {
            resources.add("ec2-instance/" + node.instanceId());
        }
        resources.add("node/" + node.hostname());
        if (c != null) {
            resources.add("container/" + c.id());
            if (c.k8s() != null && c.k8s().pod() != null) {
                resources.add("pod/" + c.k8s().namespace() + "/" + c.k8s().pod());
            }
        }
        AlertDetail d = new AlertDetail(id, time, r.name(), r.priority().name(), r.priority().severity(), r.vector(),
                r.mitre(), r.tags(), m.output().strip(), m.outputFields(), count, io.bulwark.sensor.enrich.ProcessStartTimes.atAlert(e), c,
                c == null ? null : c.k8s(), node,
                e.syscall(), new AlertDetail.Sensor(VERSION, mode, action));
        return new AlertEnvelope("0", id, AlertEnvelope.DETAIL_TYPE, AlertEnvelope.SOURCE, null, time, null, resources, d);
    }

    /** One readable line for a terminal. */
    public static String line(AlertEnvelope a) {
        AlertDetail d = a.detail();
        String where = d.container() == null ? "host" : d.container().name() + " (" + shortId(d.container().id()) + ")";
        String res = d.syscall() == null ? "" : d.syscall().result() < 0 ? " [" + d.syscall().errno() + "]" : "";
        String count = d.count() > 1 ? " x" + d.count() : "";
        String vector = d.vector() == null ? "" : " vector=" + d.vector();
        return d.time() + " " + d.priority() + " " + d.rule() + vector + " on " + where + res + count
                + ": " + d.output();
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
