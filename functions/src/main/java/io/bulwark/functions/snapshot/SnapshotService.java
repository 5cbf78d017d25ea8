package io.bulwark.functions.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bulwark.archive.Hashes;
import io.bulwark.archive.Incidents;
import io.bulwark.archive.Manifest;
import io.bulwark.archive.Signer;
import io.bulwark.archive.Store;
import io.bulwark.contract.Json;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * The snapshot function (docs/archive.md, "Snapshot function"): on a {@code Bulwark Incident} event it
 * requests EBS snapshots of the node's volumes ({@link EbsSnapshots}), fetches the pod's spec and events
 * ({@link PodEvidence}), writes them under the incident's archive prefix ({@code ebs/snapshots.json},
 * {@code k8s/pod.json}, {@code k8s/events.json}) and appends a signed manifest part (producer
 * {@value #PRODUCER}) chained to the incident's last part. Nothing is overwritten.
 *
 * <p>Once per incident: triage publishes every version of an incident, and EventBridge may deliver an
 * event twice; an incident that already has a {@value #PRODUCER} part gets nothing new (not even an
 * EC2 call), and EBS snapshots already tagged with the incident are not requested again.
 *
 * <p>A part without EC2 or without a cluster records {@link Step#NOT_CONFIGURED} for it and archives
 * the rest (the local mode). When the node's evidence (part 1, {@code manifest.json}) is not archived
 * yet, the function waits for it up to {@code waitForNodeEvidence}. After that: if the incident says the
 * node captured evidence (a sensor action), the objects are written (write-once, so what was fetched now
 * is kept) and {@link NodeEvidencePendingException} fails the invocation, so that a retry (Lambda's, or
 * the incident's next version) lists them in a part after the node's; otherwise (Falco, GuardDuty, an
 * alert without node steps) it starts the manifest itself as part 1.
 */
public final class SnapshotService {
    public static final String PRODUCER = "bulwark-snapshot";
    public static final String EBS_ARTIFACT = "ebs/snapshots.json";
    public static final String POD_ARTIFACT = "k8s/pod.json";
    public static final String EVENTS_ARTIFACT = "k8s/events.json";

    private static final Logger LOG = Logger.getLogger(SnapshotService.class);

    /**
     * The node captured evidence for this incident but its part 1 is not archived yet: the objects are
     * stored, the part waits for a retry. Failing the invocation is what makes Lambda retry it.
     */
    public static final class NodeEvidencePendingException extends IOException {
        public final String incident;

        public NodeEvidencePendingException(String incident, String where, int objects) {
            super("incident " + incident + ": the node captured evidence but " + where + " is not archived yet; " + objects
                    + " object(s) stored, their manifest part follows on a retry");
            this.incident = incident;
        }
    }

    /** What the invocation did. {@code outcome}: archived (a new part) or already archived (a replay). */
    public record Result(String incident, String prefix, String outcome, String part, Map<String, Step> steps) {
        public static final String ARCHIVED = "archived";
        public static final String ALREADY_ARCHIVED = "already archived";
    }

    private final Store store;
    private final Signer signer;
    private final Ec2Client ec2;
    private final String ec2Missing;
    private final KubernetesClient kubernetes;
    private final String kubernetesMissing;
    private final String who;
    private final Duration waitForNodeEvidence;
    private final Clock clock;

    /**
     * @param ec2               null: EBS is "not configured", for the reason {@code ec2Missing}
     * @param kubernetes        null: the pod's spec and events are "not configured", for the reason {@code kubernetesMissing}
     * @param who               the writer named in the chain of custody (function name and region, or host)
     */
    public SnapshotService(Store store, Signer signer, Ec2Client ec2, String ec2Missing, KubernetesClient kubernetes, String kubernetesMissing,
            String who, Duration waitForNodeEvidence, Clock clock) {
        this.store = store;
        this.signer = signer;
        this.ec2 = ec2;
        this.ec2Missing = ec2Missing;
        this.kubernetes = kubernetes;
        this.kubernetesMissing = kubernetesMissing;
        this.who = who;
        this.waitForNodeEvidence = waitForNodeEvidence;
        this.clock = clock;
    }

    /** Handles one EventBridge envelope (JSON bytes). */
    public Result handle(byte[] event) throws IOException {
        JsonNode envelope;
        try {
            envelope = Json.mapper().readTree(event);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IncidentRef.BadEventException("event:" + (e.getLocation() == null ? 1 : e.getLocation().getLineNr()) + ": not JSON: "
                    + e.getOriginalMessage());
        }
        return handle(IncidentRef.of(envelope));
    }

    public Result handle(IncidentRef inc) throws IOException {
        String prefix = inc.prefix();
        String done = snapshotPart(prefix);
        if (done != null) {
            LOG.infof("incident %s: already archived by %s (%s); nothing new", inc.id(), PRODUCER, done);
            return new Result(inc.id(), prefix, Result.ALREADY_ARCHIVED, done, Map.of());
        }
        Map<String, Step> steps = new LinkedHashMap<>();
        Map<String, byte[]> objects = new LinkedHashMap<>();
        String now = Instant.now(clock).toString();
        // 1. EBS first: the disk's state is the evidence most likely to change
        steps.put("ebs", ebs(inc, objects));
        // 2. the pod, before anyone deletes it
        pod(inc, steps, objects);
        // 3. the archive
        String key = write(inc, prefix, steps, objects, now);
        Result r = new Result(inc.id(), prefix, key == null ? Result.ALREADY_ARCHIVED : Result.ARCHIVED, key == null ? snapshotPart(prefix) : key, steps);
        LOG.infof("incident %s: %s %s; ebs %s, pod %s, events %s", inc.id(), r.outcome(), r.part(), steps.get("ebs").status(),
                steps.get("pod").status(), steps.get("events").status());
        return r;
    }

    private Step ebs(IncidentRef inc, Map<String, byte[]> objects) {
        if (ec2 == null) {
            return Step.notConfigured(ec2Missing);
        }
        if (inc.instanceId() == null) {
            return Step.skipped("the incident names no EC2 instance (detail.node.instance_id)");
        }
        try {
            EbsSnapshots.Result r = new EbsSnapshots(ec2).snapshot(inc.id(), inc.instanceId(), inc.hostname());
            objects.put(EBS_ARTIFACT, bytes(r.record()));
            return new Step(r.status(), null, EBS_ARTIFACT);
        } catch (RuntimeException e) {
            LOG.errorf("incident %s: EBS snapshots of %s failed: %s", inc.id(), inc.instanceId(), e.getMessage());
            return Step.failed("EBS snapshots of " + inc.instanceId() + ": " + e.getMessage());
        }
    }

    private void pod(IncidentRef inc, Map<String, Step> steps, Map<String, byte[]> objects) {
        if (kubernetes == null) {
            steps.put("pod", Step.notConfigured(kubernetesMissing));
            steps.put("events", Step.notConfigured(kubernetesMissing));
            return;
        }
        if (inc.namespace() == null || inc.pod() == null) {
            Step s = Step.skipped("the incident names no pod (detail.k8s.namespace, detail.k8s.pod)");
            steps.put("pod", s);
            steps.put("events", s);
            return;
        }
        PodEvidence k = new PodEvidence(kubernetes);
        String uid = null;
        try {
            JsonNode pod = k.pod(inc.namespace(), inc.pod());
            if (pod == null) {
                steps.put("pod", new Step(Step.NOT_FOUND, "no pod " + inc.namespace() + "/" + inc.pod() + " in the API (deleted already?)", null));
            } else {
                uid = pod.path("metadata").path("uid").asText(null);
                objects.put(POD_ARTIFACT, bytes(pod));
                steps.put("pod", new Step(Step.ARCHIVED, null, POD_ARTIFACT));
            }
        } catch (IOException | RuntimeException e) {
            LOG.errorf("incident %s: the pod %s/%s: %s", inc.id(), inc.namespace(), inc.pod(), e.getMessage());
            steps.put("pod", Step.failed("get pod " + inc.namespace() + "/" + inc.pod() + ": " + e.getMessage()));
        }
        try {
            ObjectNode ev = k.events(inc.namespace(), inc.pod(), uid);
            objects.put(EVENTS_ARTIFACT, bytes(ev));
            steps.put("events", new Step(Step.ARCHIVED, ev.path("core_v1").size() + " core/v1 and " + ev.path("events_k8s_io_v1").size()
                    + " events.k8s.io/v1 events", EVENTS_ARTIFACT));
        } catch (IOException | RuntimeException e) {
            LOG.errorf("incident %s: the events of pod %s/%s: %s", inc.id(), inc.namespace(), inc.pod(), e.getMessage());
            steps.put("events", Step.failed("list events of " + inc.namespace() + "/" + inc.pod() + ": " + e.getMessage()));
        }
    }

    /** The key of the incident's {@value #PRODUCER} part, or null. */
    private String snapshotPart(String prefix) throws IOException {
        if (!store.exists(prefix + "manifest.json")) {
            return null;
        }
        for (Incidents.Part p : Incidents.load(store, prefix).parts()) {
            if (p.json() != null && PRODUCER.equals(p.json().path("producer").asText())) {
                return p.key();
            }
        }
        return null;
    }

    /**
     * Writes the objects and the part; null when a concurrent invocation wrote the part first. {@code now}:
     * when the evidence was fetched (captured_at); the write time comes after any wait for part 1.
     */
    private String write(IncidentRef inc, String prefix, Map<String, Step> steps, Map<String, byte[]> objects, String now) throws IOException {
        boolean hasFirst = waitForPartOne(prefix);
        String written = Instant.now(clock).toString();
        if (!hasFirst && inc.nodeEvidenceExpected()) {
            for (Map.Entry<String, byte[]> o : objects.entrySet()) {
                try {
                    store.put(prefix + o.getKey(), o.getValue(), "application/json");
                } catch (Store.ConflictException e) {
                    // an earlier attempt's bytes: kept
                }
            }
            throw new NodeEvidencePendingException(inc.id(), store.describe(prefix + "manifest.json"), objects.size());
        }
        Incidents.Incident stored = hasFirst ? Incidents.load(store, prefix) : null;
        List<Manifest.Artifact> arts = new ArrayList<>();
        List<String> adopted = new ArrayList<>();
        for (Map.Entry<String, byte[]> o : objects.entrySet()) {
            if (stored != null && stored.artifact(o.getKey()) != null) {
                throw new IllegalStateException(store.describe(prefix + o.getKey()) + " is already listed by another part: refusing to list it twice");
            }
            byte[] data = o.getValue();
            try {
                store.put(prefix + o.getKey(), data, "application/json");
            } catch (Store.ConflictException e) {
                // not listed by any part: an earlier invocation stopped between the object and its part. The first
                // bytes stay (never overwritten) and are listed now.
                data = store.read(prefix + o.getKey());
                adopted.add(o.getKey());
            }
            arts.add(new Manifest.Artifact(o.getKey(), data.length, Hashes.hex(data), PRODUCER, now, "application/json", who, written));
        }
        Incidents.publishKey(store, signer);
        ObjectNode facts = Json.mapper().createObjectNode();
        ObjectNode s = facts.putObject("snapshot");
        steps.forEach((k, v) -> s.set(k, v.json()));
        if (!adopted.isEmpty()) {
            s.set("adopted", Json.mapper().valueToTree(adopted));
        }
        facts.putObject("node").put("hostname", inc.hostname()).put("instance_id", inc.instanceId());
        facts.putObject("k8s").put("namespace", inc.namespace()).put("pod", inc.pod());
        facts.put("first_seen", inc.firstSeen().toString());
        List<Manifest.Custody> custody = List.of(new Manifest.Custody(who, custodyText(steps, prefix, arts.size()), written));
        // the next free part number, taken by a conditional create; a concurrent writer (the node's later capture,
        // another tool) that takes it first makes this part the next one, chained to theirs
        Incidents.Appended a = Incidents.appendPart(store, prefix, signer, (now2, n, previous) -> {
            if (now2 != null) {
                for (Incidents.Part p : now2.parts()) {
                    if (p.json() != null && PRODUCER.equals(p.json().path("producer").asText())) {
                        return null; // a concurrent invocation of the same incident won
                    }
                }
                for (Manifest.Artifact x : arts) {
                    if (now2.artifact(x.name()) != null) {
                        throw new IllegalStateException(store.describe(prefix + x.name()) + " is already listed by another part: refusing to list it twice");
                    }
                }
            }
            return Manifest.part(n, inc.id(), prefix, PRODUCER, previous, facts, arts, custody);
        });
        return a == null ? null : a.key();
    }

    private boolean waitForPartOne(String prefix) throws IOException {
        long deadline = System.nanoTime() + waitForNodeEvidence.toNanos();
        while (!store.exists(prefix + "manifest.json")) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            try {
                Thread.sleep(Math.min(1000, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + store.describe(prefix + "manifest.json"));
            }
        }
        return true;
    }

    private String custodyText(Map<String, Step> steps, String prefix, int count) {
        StringBuilder b = new StringBuilder();
        steps.forEach((k, v) -> b.append(b.length() == 0 ? "" : "; ").append(k).append(": ").append(v.status()));
        return b + "; wrote " + count + " objects to " + prefix + " and signed this part (key " + signer.keyId() + ")";
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return (Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
