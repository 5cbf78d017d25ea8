package io.bulwark.functions.triage;

import io.bulwark.contract.ContainerInfo;
import io.bulwark.contract.Incident;
import io.bulwark.contract.IncidentEnvelope;
import io.bulwark.contract.Json;
import io.bulwark.contract.Priority;
import io.bulwark.contract.StableId;
import io.bulwark.functions.bus.FindingBus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * One alert in, one incident changed (docs/triage.md): enrich, correlate, merge into the stored
 * incident by compare-and-swap, answer the root-cause questions, score, publish.
 */
public final class Triage {
    private static final Logger LOG = Logger.getLogger(Triage.class);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);
    static final int MAX_LINEAGE = 50;
    static final Set<String> CONTAINING = Set.of("frozen", "killed", "stopped", "isolated", "quarantined");

    /** The correlation index: which incident a key (container, process) belongs to, and when it was last seen. */
    public record IndexEntry(String incident, String lastSeen) {}

    /**
     * What one alert did.
     *
     * @param outcome created (a new incident), updated, duplicate (the alert id was already filed: nothing changed), ignored (test alert)
     */
    public record Outcome(String outcome, String alertId, String incidentId, int count, long version, String published) {}

    private final IncidentStore store;
    private final TriageEnricher enricher;
    private final CveTable cves;
    private final FindingBus bus;
    private final Duration window;
    private final String account;
    private final String region;
    private final String cluster;
    private final Clock clock;

    public Triage(IncidentStore store, TriageEnricher enricher, CveTable cves, FindingBus bus, Duration window, String account,
                  String region, String cluster, Clock clock) {
        this.store = store;
        this.enricher = enricher;
        this.cves = cves;
        this.bus = bus;
        this.window = window;
        this.account = account;
        this.region = region;
        this.cluster = cluster;
        this.clock = clock;
    }

    public IncidentStore store() {
        return store;
    }

    /** Normalises and triages one message body; a {@link PoisonMessageException} for what can never be triaged. */
    public Outcome handle(String body) {
        Signal s = Normaliser.normalise(body);
        if (s == null) {
            LOG.info("triage: Bulwark test alert acknowledged, no incident");
            return new Outcome("ignored", null, null, 0, 0, null);
        }
        return handle(s);
    }

    public Outcome handle(Signal s) {
        TriageEnricher.Found found = enricher.enrich(s);
        String id = s.nodeIncident() != null ? s.nodeIncident() : correlate(s);
        boolean[] duplicate = {false};
        IncidentStore.Updated<Incident> u = store.update(id, cur -> {
            if (cur != null && cur.alertIds().contains(s.id())) {
                duplicate[0] = true;
                return cur;
            }
            duplicate[0] = false;
            return merge(id, cur, s, found);
        });
        Incident incident = u.value();
        if (!u.changed()) {
            LOG.infof("triage: alert %s (%s) already filed under incident %s: nothing counted", s.id(), s.source(), id);
            return new Outcome("duplicate", s.id(), id, incident.count(), incident.version(), null);
        }
        if (s.nodeIncident() == null) {
            for (String k : indexKeys(s)) {
                if (k.startsWith("host:") && incident.container() != null) {
                    continue; // a host alert that joined a container's incident by lineage: the node's host incident is another
                }
                touchIndex(k, id, incident.lastSeen());
            }
        }
        IncidentEnvelope env = IncidentEnvelope.of(incident, account, region);
        FindingBus.Delivery d = bus.publishEntries(List.of(new FindingBus.Entry(env.id(), env.source(), env.detailType(), env.time(),
                env.resources(), Json.line(incident), Json.line(env)))).get(0);
        String published = d.sent() ? "sent" : "failed: " + d.error();
        if (!d.sent()) {
            // the stored incident is the truth; the next alert of the incident publishes its newer version
            LOG.warnf("triage: incident %s version %d not published to %s: %s", id, incident.version(), bus.name(), d.error());
        }
        LOG.infof("triage: alert %s (%s, %s) -> incident %s v%d (count %d, %s, severity %.1f, status %s)%s", s.id(), s.source(), s.rule(),
                id, incident.version(), incident.count(), incident.priority(), incident.severity().score(), incident.status(),
                incident.rootCause().cves().isEmpty() ? "" : " CVEs " + incident.rootCause().cves().stream().map(Incident.Cve::id).toList());
        return new Outcome(incident.version() == 1 ? "created" : "updated", s.id(), id, incident.count(), incident.version(), published);
    }

    /**
     * The keys an alert is indexed under: its container (the node's own key), and its process, so that
     * a host-level alert of a process descended from it (an escaped shell) finds the incident.
     * Only the alerting process itself is indexed, never its ancestors: those include the runtime's
     * shim and daemon, which every container on the node shares.
     */
    static List<String> indexKeys(Signal s) {
        List<String> keys = new ArrayList<>();
        if (s.containerId() != null) {
            keys.add("ctr:" + s.node() + "/" + s.containerId());
            if (!s.lineage().isEmpty()) {
                keys.add("proc:" + s.node() + "/" + s.lineage().get(0));
            }
            return keys;
        }
        for (String p : s.lineage()) {
            if (keys.size() >= 4) {
                break;
            }
            keys.add("proc:" + s.node() + "/" + p);
        }
        keys.add("host:" + s.node());
        return keys;
    }

    /** The keys that find an alert's incident: its container; for a host-level alert, its lineage, then the host. */
    static List<String> lookupKeys(Signal s) {
        List<String> keys = indexKeys(s);
        return s.containerId() != null ? keys.subList(0, 1) : keys;
    }

    /** The open incident one of the keys belongs to (within the window), else a new id claimed for the first key. */
    String correlate(Signal s) {
        List<String> keys = lookupKeys(s);
        for (String k : keys) {
            IndexEntry e = store.getObject(store.indexKey(k), IndexEntry.class).orElse(null);
            if (e != null && within(e.lastSeen(), s.time())) {
                return e.incident();
            }
        }
        // the node's formula: StableId.of("incident", hostname, container id or "host", first alert id)
        String fresh = StableId.of("incident", s.node(), s.containerId() != null ? s.containerId() : "host", s.id());
        String key = keys.get(0);
        // claim the first key; a concurrent invocation that claimed it first wins and this alert joins its incident
        IncidentStore.Updated<IndexEntry> claimed = store.updateObject(store.indexKey(key), IndexEntry.class, cur -> {
            if (cur != null && within(cur.lastSeen(), s.time())) {
                return cur;
            }
            return new IndexEntry(fresh, s.time().toString());
        });
        return claimed.value().incident();
    }

    private void touchIndex(String key, String id, String lastSeen) {
        try {
            store.updateObject(store.indexKey(key), IndexEntry.class, cur -> {
                if (cur != null && cur.incident().equals(id) && !Instant.parse(cur.lastSeen()).isBefore(Instant.parse(lastSeen))) {
                    return cur;
                }
                if (cur != null && !cur.incident().equals(id) && within(cur.lastSeen(), Instant.parse(lastSeen))) {
                    return cur; // a lineage key another open incident holds: leave it
                }
                return new IndexEntry(id, lastSeen);
            });
        } catch (RuntimeException e) {
            // the incident is stored; a stale index only costs a later alert its correlation by this key
            LOG.warnf("triage: correlation index %s not updated: %s", key, e.getMessage());
        }
    }

    private boolean within(String lastSeen, Instant t) {
        try {
            return Duration.between(Instant.parse(lastSeen), t).abs().compareTo(window) <= 0;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The incident with the alert filed in (pure: may run again on a newer version after a lost race). */
    Incident merge(String id, Incident cur, Signal s, TriageEnricher.Found found) {
        String t = s.time().toString();
        Incident.Node node = mergeNode(cur == null ? null : cur.node(), s, found);
        Incident.Container container = cur != null && cur.container() != null ? cur.container()
                : s.containerId() == null ? null : new Incident.Container(s.containerId(), s.containerName(), s.image(), s.runtime());
        ContainerInfo.K8s k8s = cur != null && cur.k8s() != null ? cur.k8s() : s.k8s();
        var pod = found.pod() != null ? found.pod() : cur == null ? null : cur.pod();

        List<String> alertIds = new ArrayList<>(cur == null ? List.of() : cur.alertIds());
        alertIds.add(s.id());
        while (alertIds.size() > Incident.MAX_ALERT_IDS) {
            alertIds.remove(0);
        }
        List<String> rules = RootCauses.union(cur == null ? null : cur.rules(), List.of(s.rule()));
        List<String> vectors = RootCauses.union(cur == null ? null : cur.vectors(), s.vector() == null ? List.of() : List.of(s.vector()));
        List<String> sources = RootCauses.union(cur == null ? null : cur.sources(), List.of(s.source()));
        List<String> lineage = RootCauses.union(cur == null ? null : cur.lineage(), s.lineage());
        if (lineage.size() > MAX_LINEAGE) {
            lineage = lineage.subList(lineage.size() - MAX_LINEAGE, lineage.size());
        }
        Priority priority = cur == null ? s.priority() : Priority.parse(cur.priority()).atLeast(s.priority()) ? Priority.parse(cur.priority()) : s.priority();
        String first = cur == null || s.time().isBefore(Instant.parse(cur.firstSeen())) ? t : cur.firstSeen();
        String last = cur == null || s.time().isAfter(Instant.parse(cur.lastSeen())) ? t : cur.lastSeen();
        List<Incident.Action> actions = new ArrayList<>(cur == null ? List.of() : cur.actions());
        if (s.sensorAction() != null && !s.sensorAction().equals("none")) {
            actions.add(new Incident.Action(t, s.sensorAction(), "sensor:" + s.node(), s.id()));
        }
        int count = (cur == null ? 0 : cur.count()) + 1;

        Incident.RootCause facts = RootCauses.mergeFacts(cur == null ? null : cur.rootCause(), RootCauses.facts(s, pod));
        String vector = s.vector() != null ? s.vector() : facts.vector();
        List<String> mitre = RootCauses.union(cur == null ? null : cur.mitre(), RootCauses.union(s.mitre(), RootCauses.techniques(vector)));
        List<Incident.Cve> matched = cves.match(node.runtimes(), node.kernel(), node.os(), vectors);
        String runtime = runtimeLabel(node.runtimes(), container == null ? null : container.runtime());
        Incident.RootCause rc = new Incident.RootCause(facts.privileged(), facts.capabilities(), facts.runtimeSocketMounted(),
                facts.runtimeSockets(), facts.hostNamespaces(), vector, RootCauses.union(RootCauses.techniques(vector), s.mitre()), runtime,
                node.kernel(), matched);
        List<Incident.Remediation> remediation = new ArrayList<>(RootCauses.remediation(rc, matched, node.runtimes(), node.kernel(), cves,
                s.container(), k8s, pod));
        if (cur != null) {
            Set<String> have = new LinkedHashSet<>();
            remediation.forEach(r -> have.add(r.advice()));
            for (Incident.Remediation r : cur.remediation()) {
                if (!have.contains(r.advice()) && !r.advice().startsWith("patch ") && !r.advice().startsWith("find the node")) {
                    remediation.add(r); // facts an earlier alert carried (seccomp, user) and this one does not
                }
            }
        }
        String status = cur != null && Incident.CLOSED.equals(cur.status()) ? Incident.OPEN
                : actions.stream().anyMatch(a -> CONTAINING.contains(a.action())) ? Incident.CONTAINED : Incident.OPEN;
        Incident.Severity severity = score(priority, cur, s, rc, matched, count, vectors);
        String firstDay = DAY.format(Instant.parse(first));
        Incident.Evidence evidence = cur != null ? cur.evidence() : new Incident.Evidence("incidents/" + firstDay + "/" + IncidentStore.safe(id) + "/");
        return new Incident(id, status, first, last, clock.instant().toString(), cur == null ? 1 : cur.version() + 1, node, container, k8s,
                pod, count, List.copyOf(alertIds), rules, vectors, mitre, priority.name(), severity, sources, List.copyOf(lineage), rc,
                List.copyOf(remediation), List.copyOf(actions), evidence);
    }

    private Incident.Node mergeNode(Incident.Node old, Signal s, TriageEnricher.Found f) {
        Map<String, String> runtimes = new LinkedHashMap<>();
        if (old != null && old.runtimes() != null) {
            runtimes.putAll(old.runtimes());
        }
        if (f.runtimes() != null) {
            runtimes.putAll(f.runtimes());
        }
        if (s.runtimes() != null) {
            runtimes.putAll(s.runtimes()); // the node's own word over the API's
        }
        String hostname = first(old == null ? null : old.hostname(), s.instanceId() != null && s.node().equals(s.instanceId()) ? null : s.node());
        return new Incident.Node(hostname, first(s.instanceId(), f.instanceId(), old == null ? null : old.instanceId()),
                first(s.kernel(), f.kernel(), old == null ? null : old.kernel()),
                first(s.cluster(), old == null ? null : old.cluster(), cluster),
                runtimes.isEmpty() ? null : Map.copyOf(new java.util.TreeMap<>(runtimes)), first(f.os(), old == null ? null : old.os()),
                first(s.commandKey(), old == null ? null : old.commandKey()));
    }

    /**
     * The score (docs/triage.md, "Scoring"): the highest alert severity, plus what makes this incident
     * worse than one alert: an open escape surface, a CVE the node's versions have, repetition, more
     * than one technique. 1.0–8.9.
     */
    static Incident.Severity score(Priority priority, Incident cur, Signal s, Incident.RootCause rc, List<Incident.Cve> cves, int count,
                                   List<String> vectors) {
        double base = Math.max(s.severity(), cur == null ? 0 : maxAlertSeverity(cur));
        List<String> how = new ArrayList<>();
        how.add(String.format("%.1f: highest alert severity (%s)", base, priority.name()));
        double score = base;
        if (Boolean.TRUE.equals(rc.privileged()) || Boolean.TRUE.equals(rc.runtimeSocketMounted())
                || (rc.hostNamespaces() != null && (rc.hostNamespaces().contains("pid") || rc.hostNamespaces().contains("mount")))) {
            score += 0.3;
            how.add("+0.3: the container's escape surface is open (" + String.join(", ", surface(rc)) + ")");
        }
        if (cves.stream().anyMatch(c -> c.match().equals("version+vector"))) {
            score += 0.3;
            how.add("+0.3: the node's version has a CVE for the technique used ("
                    + String.join(", ", cves.stream().filter(c -> c.match().equals("version+vector")).map(Incident.Cve::id).toList()) + ")");
        } else if (cves.stream().anyMatch(c -> c.match().equals("version"))) {
            score += 0.1;
            how.add("+0.1: the node's versions have known escape CVEs");
        }
        if (count >= 5) {
            score += 0.2;
            how.add("+0.2: " + count + " alerts");
        }
        if (vectors.size() >= 2) {
            score += 0.2;
            how.add("+0.2: " + vectors.size() + " techniques (" + String.join(", ", vectors) + ")");
        }
        double clamped = Math.round(Math.max(1.0, Math.min(8.9, score)) * 10) / 10.0;
        if (clamped != Math.round(score * 10) / 10.0) {
            how.add("capped at " + clamped);
        }
        String label = clamped >= 7.0 ? "High" : clamped >= 4.0 ? "Medium" : "Low";
        return new Incident.Severity(clamped, label, List.copyOf(how));
    }

    private static double maxAlertSeverity(Incident cur) {
        String first = cur.severity() == null || cur.severity().how().isEmpty() ? null : cur.severity().how().get(0);
        if (first != null) {
            try {
                return Double.parseDouble(first.substring(0, first.indexOf(':')));
            } catch (RuntimeException ignored) {
                // an older format: fall back to the priority
            }
        }
        return Priority.parse(cur.priority()).severity();
    }

    private static List<String> surface(Incident.RootCause rc) {
        List<String> out = new ArrayList<>();
        if (Boolean.TRUE.equals(rc.privileged())) {
            out.add("privileged");
        }
        if (Boolean.TRUE.equals(rc.runtimeSocketMounted())) {
            out.add("runtime socket mounted");
        }
        if (rc.hostNamespaces() != null) {
            rc.hostNamespaces().stream().filter(n -> n.equals("pid") || n.equals("mount")).forEach(n -> out.add("host " + n + " namespace"));
        }
        return out;
    }

    private static String runtimeLabel(Map<String, String> runtimes, String containerRuntime) {
        if (runtimes == null || runtimes.isEmpty()) {
            return null;
        }
        for (String name : new String[] {"runc", "crun", "containerd", "docker", "cri-o"}) {
            if (runtimes.containsKey(name)) {
                return name + " " + runtimes.get(name);
            }
        }
        return null;
    }

    @SafeVarargs
    private static <T> T first(T... options) {
        for (T o : options) {
            if (o != null) {
                return o;
            }
        }
        return null;
    }
}
