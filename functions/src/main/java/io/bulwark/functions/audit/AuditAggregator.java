package io.bulwark.functions.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bulwark.contract.ClusterEscapeSurfaceReport;
import io.bulwark.contract.ClusterEscapeSurfaceReport.ClusterPointer;
import io.bulwark.contract.ClusterEscapeSurfaceReport.Container;
import io.bulwark.contract.ClusterEscapeSurfaceReport.Emitted;
import io.bulwark.contract.ClusterEscapeSurfaceReport.Findings;
import io.bulwark.contract.ClusterEscapeSurfaceReport.Trigger;
import io.bulwark.contract.EscapeSurfaceFinding;
import io.bulwark.contract.EscapeSurfaceReport;
import io.bulwark.contract.EscapeSurfaceReport.Band;
import io.bulwark.contract.FindingEnvelope;
import io.bulwark.contract.Json;
import io.bulwark.functions.archive.AuditArchive;
import io.bulwark.functions.bus.FindingBus;
import io.bulwark.functions.enrich.PodEnricher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The audit aggregation: one {@code Escape Surface Report} event in, then
 * <ol>
 *   <li>the event archived as received under a new key (never overwritten; a repeated delivery
 *       finds it there and changes nothing);</li>
 *   <li>its containers merged into the cluster view ({@link ClusterMerge}; a complete node
 *       inventory also removes the node's containers it leaves out), the changed ones enriched
 *       from the Kubernetes API ({@link PodEnricher});</li>
 *   <li>one {@code Escape Surface Finding} per changed HIGH container onto the bus, at most
 *       {@code findings.max-per-invocation};</li>
 *   <li>the cluster report written as a new object recording those findings, and
 *       {@code latest.json} moved to it by compare-and-swap (retried from step 2 when another
 *       invocation moved it first; findings are not sent twice).</li>
 * </ol>
 */
public final class AuditAggregator {
    private static final Logger LOG = Logger.getLogger(AuditAggregator.class);

    private final AuditArchive archive;
    private final ArchiveKeys keys;
    private final PodEnricher enricher;
    private final FindingBus bus;
    private final int maxFindings;
    private final Duration expiry;
    private final int casAttempts;
    private final String account;
    private final String region;
    private final Clock clock;

    public AuditAggregator(AuditArchive archive, ArchiveKeys keys, PodEnricher enricher, FindingBus bus, int maxFindings,
                           Duration expiry, int casAttempts, String account, String region, Clock clock) {
        this.archive = archive;
        this.keys = keys;
        this.enricher = enricher;
        this.bus = bus;
        this.maxFindings = Math.max(0, maxFindings);
        this.expiry = expiry;
        this.casAttempts = Math.max(1, casAttempts);
        this.account = account;
        this.region = region;
        this.clock = clock;
    }

    public AggregationResult handle(byte[] event) {
        ObjectMapper mapper = Json.mapper();
        JsonNode tree = parse(event);
        EscapeSurfaceReport report = validate(tree, mapper);
        Instant auditTime = Instant.parse(report.time());
        String node = ArchiveKeys.nodeName(report.node());
        String reportId = ArchiveKeys.reportId(tree.path("id").asText(null), event);
        String reportKey = keys.nodeReport(node, auditTime, reportId);

        boolean duplicate = false;
        if (!archive.createIfAbsent(reportKey, event)) {
            byte[] stored = archive.get(reportKey).map(AuditArchive.Stored::body).orElse(null);
            if (stored == null || !parse(stored).equals(tree)) {
                throw new ReportConflictException("report " + reportId + " of node " + node + " is already archived at "
                        + reportKey + " with different content; the archived object is kept, this event is rejected");
            }
            duplicate = true;
        }
        ClusterMerge.Incoming in = new ClusterMerge.Incoming(node, reportId, reportKey, auditTime, report);

        PodEnricher.Result enrichment = null;
        Findings findings = null;
        List<Emitted> emitted = List.of();
        for (int attempt = 1; attempt <= casAttempts; attempt++) {
            Optional<AuditArchive.Stored> pointerObj = archive.get(keys.pointer());
            ClusterPointer pointer = pointerObj.map(s -> read(s.body(), ClusterPointer.class, keys.pointer())).orElse(null);
            ClusterEscapeSurfaceReport previous = null;
            if (pointer != null) {
                byte[] prev = archive.get(pointer.key()).map(AuditArchive.Stored::body).orElseThrow(() -> new IllegalStateException(
                        keys.pointer() + " names " + pointer.key() + ", which is not in the archive"));
                previous = read(prev, ClusterEscapeSurfaceReport.class, pointer.key());
            }
            Instant now = clock.instant();
            ClusterMerge.Result dry = ClusterMerge.merge(previous, in, Map.of(), now, expiry);
            if (!dry.changed()) {
                String status = auditTime.isBefore(now.minus(expiry)) ? "stale" : "unchanged";
                LOG.infof("audit: report %s of node %s %s (%s): nothing newer for the cluster view", reportId, node, status,
                        duplicate ? "repeated delivery" : "late delivery");
                return new AggregationResult(status, node, reportId, reportKey, duplicate, null,
                        pointer == null ? 0 : pointer.generation(), 0, 0, 0, 0, 0, null, attempt);
            }
            if (enrichment == null) {
                List<EscapeSurfaceReport.ContainerRisk> toEnrich = report.containers().stream()
                        .filter(r -> dry.applied().stream().anyMatch(c -> c.id().equals(r.id()))).toList();
                enrichment = enricher.enrich(toEnrich);
            }
            ClusterMerge.Result merged = ClusterMerge.merge(previous, in, enrichment.pods(), now, expiry);
            if (findings == null) {
                findings = emit(in, merged);
                emitted = findings.emitted();
            }
            long generation = pointer == null ? 1 : pointer.generation() + 1;
            String clusterKey = keys.clusterReport(now, generation, reportId);
            ClusterEscapeSurfaceReport cluster = new ClusterEscapeSurfaceReport(now.toString(), generation,
                    pointer == null ? null : pointer.key(),
                    new Trigger(node, reportId, reportKey, auditTime.toString(), merged.scope(), report.containers().size(),
                            merged.applied().size(), merged.removed().size()),
                    merged.nodes(), merged.containers(), merged.summary(), merged.namespaces(), enrichment.summary(), findings,
                    merged.expired(), merged.removed());
            if (!archive.createIfAbsent(clusterKey, Json.line(cluster).getBytes(StandardCharsets.UTF_8))) {
                LOG.infof("audit: %s already exists (concurrent build), retrying", clusterKey);
                continue;
            }
            ClusterPointer next = new ClusterPointer(clusterKey, generation, now.toString(), merged.summary());
            Optional<String> swapped = archive.compareAndSwap(keys.pointer(), Json.line(next).getBytes(StandardCharsets.UTF_8),
                    pointerObj.map(AuditArchive.Stored::etag).orElse(null));
            if (swapped.isPresent()) {
                int sent = (int) emitted.stream().filter(e -> "sent".equals(e.status())).count();
                LOG.infof("audit: node %s report %s (scope %s) -> %s (generation %d, %d containers applied, %d removed, %d HIGH in cluster, findings %d sent %d failed %d suppressed, enrichment %s)",
                        node, reportId, merged.scope(), clusterKey, generation, merged.applied().size(), merged.removed().size(),
                        merged.summary().high(), sent, emitted.size() - sent, findings.suppressed(), enrichment.summary().status());
                return new AggregationResult("aggregated", node, reportId, reportKey, duplicate, clusterKey, generation,
                        merged.applied().size(), merged.removed().size(), sent, emitted.size() - sent, findings.suppressed(),
                        enrichment.summary().status(), attempt);
            }
            LOG.infof("audit: %s moved while building generation %d (attempt %d of %d); %s stays as an unreferenced build",
                    keys.pointer(), generation, attempt, casAttempts, clusterKey);
        }
        throw new ConcurrentUpdateException(keys.pointer() + " kept moving: gave up after " + casAttempts
                + " attempts; report " + reportId + " is archived at " + reportKey + " and will be merged on retry");
    }

    /** One finding per applied HIGH container, highest score first, at most {@link #maxFindings}. */
    private Findings emit(ClusterMerge.Incoming in, ClusterMerge.Result merged) {
        List<Container> high = new ArrayList<>(merged.applied().stream().filter(c -> c.band() == Band.HIGH).toList());
        high.sort(Comparator.comparingInt(Container::score).reversed().thenComparing(Container::id));
        List<Container> send = high.subList(0, Math.min(high.size(), maxFindings));
        List<String> suppressed = high.subList(send.size(), high.size()).stream()
                .map(c -> ClusterMerge.containerKey(c.node(), c.id())).toList();
        String now = clock.instant().toString();
        List<FindingEnvelope> events = new ArrayList<>();
        for (Container c : send) {
            String findingId = UUID.nameUUIDFromBytes((in.reportId() + "/" + in.node() + "/" + c.id()).getBytes(StandardCharsets.UTF_8)).toString();
            EscapeSurfaceFinding f = new EscapeSurfaceFinding(findingId, now, c.band(), c.score(),
                    merged.wasHigh().contains(ClusterMerge.containerKey(c.node(), c.id())), in.reportId(), in.reportKey(),
                    in.report().node(), c, c.band().action());
            List<String> resources = new ArrayList<>();
            resources.add("node/" + in.node());
            resources.add("container/" + c.id());
            if (c.k8s() != null && c.k8s().namespace() != null && c.k8s().pod() != null) {
                resources.add("pod/" + c.k8s().namespace() + "/" + c.k8s().pod());
            }
            events.add(FindingEnvelope.of(f, account, region, List.copyOf(resources)));
        }
        List<FindingBus.Delivery> deliveries = events.isEmpty() ? List.of() : bus.publish(events);
        List<Emitted> emitted = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            FindingEnvelope e = events.get(i);
            FindingBus.Delivery d = i < deliveries.size() ? deliveries.get(i) : new FindingBus.Delivery(null, "no delivery result", List.of());
            emitted.add(new Emitted(e.detail().id(), d.eventId(), in.node(), e.detail().container().id(), e.detail().score(),
                    d.sent() ? "sent" : "failed", d.error()));
            if (!d.sent()) {
                LOG.warnf("audit: finding %s (container %s) not delivered to %s: %s", e.detail().id(), e.detail().container().id(), bus.name(), d.error());
            }
        }
        if (!suppressed.isEmpty()) {
            LOG.warnf("audit: %d HIGH findings over the limit of %d per invocation were not emitted (recorded in the cluster report)",
                    suppressed.size(), maxFindings);
        }
        return new Findings(bus.name(), maxFindings, List.copyOf(emitted), suppressed.size(), suppressed);
    }

    private static JsonNode parse(byte[] event) {
        try {
            JsonNode n = Json.mapper().readTree(event);
            if (n == null || !n.isObject()) {
                throw new BadReportException("the event is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new BadReportException("the event is not JSON: " + e.getMessage());
        }
    }

    /** The envelope is an Escape Surface Report from the sensor, with the fields the merge relies on. */
    static EscapeSurfaceReport validate(JsonNode tree, ObjectMapper mapper) {
        String source = tree.path("source").asText("");
        String type = tree.path("detail-type").asText("");
        if (!"bulwark.sensor".equals(source) || !EscapeSurfaceReport.DETAIL_TYPE.equals(type)) {
            throw new BadReportException("expected source bulwark.sensor and detail-type '" + EscapeSurfaceReport.DETAIL_TYPE
                    + "', got source '" + source + "' and detail-type '" + type + "'");
        }
        if (!tree.path("detail").isObject()) {
            throw new BadReportException("the event has no detail object");
        }
        EscapeSurfaceReport r;
        try {
            r = mapper.treeToValue(tree.get("detail"), EscapeSurfaceReport.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new BadReportException("detail is not an Escape Surface Report: " + e.getMessage());
        }
        try {
            Instant.parse(String.valueOf(r.time()));
        } catch (DateTimeParseException e) {
            throw new BadReportException("detail.time '" + r.time() + "' is not an ISO-8601 instant");
        }
        if (r.containers() == null) {
            throw new BadReportException("detail.containers is missing");
        }
        for (int i = 0; i < r.containers().size(); i++) {
            EscapeSurfaceReport.ContainerRisk c = r.containers().get(i);
            if (c == null || c.id() == null || c.id().isBlank() || c.band() == null || c.score() < 0 || c.score() > 100) {
                throw new BadReportException("detail.containers[" + i + "] needs an id, a band and a score 0-100");
            }
        }
        return r;
    }

    private static <T> T read(byte[] body, Class<T> type, String key) {
        try {
            return Json.mapper().readValue(body, type);
        } catch (IOException e) {
            throw new IllegalStateException("archive object " + key + " is not a " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** The event is not an Escape Surface Report the function can use. */
    public static final class BadReportException extends RuntimeException {
        public BadReportException(String message) {
            super(message);
        }
    }

    /** An event reuses the id of an archived report with other content. */
    public static final class ReportConflictException extends RuntimeException {
        public ReportConflictException(String message) {
            super(message);
        }
    }

    /** latest.json could not be moved after every attempt. */
    public static final class ConcurrentUpdateException extends RuntimeException {
        public ConcurrentUpdateException(String message) {
            super(message);
        }
    }
}
