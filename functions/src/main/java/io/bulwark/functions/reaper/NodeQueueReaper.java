package io.bulwark.functions.reaper;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesResponse;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ListQueuesResponse;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * Deletes the command queues of nodes that are gone ({@code <prefix>-node-*}, docs/deploy.md "Queues of nodes
 * that are gone"). A node is gone only when EC2 says so about the instance the queue is bound to: its
 * {@code bulwark:instance-arn} / {@code bulwark:instance-id} tag, a node name that is an instance id, or a node name
 * that is an EC2 private DNS name ({@code ip-10-0-1-23…}, looked up by that private IP). With the sensor's namespace
 * configured ({@link Settings#sensorNamespace()}), a queue with no such binding whose node name is a pod name of the
 * sensor DaemonSet ({@code bulwark-sensor-x7k2p}: EKS Pod Identity keys the queue by the pod) is gone when
 * Kubernetes answers 404 to GET of that pod in that namespace. Any other queue with no binding is kept: without an
 * answer from EC2 or Kubernetes nothing is deleted.
 *
 * <p>Kubernetes is asked once per pod-named queue, before any decision, so two rules can hold for the whole run:
 * after the first request Kubernetes does not answer (unreachable, 403, 5xx…), it is not asked again and every
 * pod-named queue is kept; and when none of the run's pod-named queues has a pod, none is deleted (a wrong
 * namespace answers 404 for every pod, and a DaemonSet that runs makes its pods' queues at start).
 *
 * <p>Guardrails, each a reason in the decision when a queue is kept: never a queue holding a message (visible, in
 * flight or delayed); never one younger than the minimum age; never Terraform's ({@code bulwark:managed-by =
 * terraform}) nor one named in the keep list or ending in {@code -dlq}; at most {@code maxDeletions} per run; dry run
 * deletes nothing. Every decision goes to the {@link Audit}; a deletion is recorded before the queue is deleted,
 * and a deletion whose record cannot be written does not happen.
 */
public final class NodeQueueReaper {
    static final String TAG_INSTANCE_ARN = "bulwark:instance-arn";
    static final String TAG_INSTANCE_ID = "bulwark:instance-id";
    static final String TAG_MANAGED_BY = "bulwark:managed-by";
    private static final Pattern INSTANCE_ID = Pattern.compile("i-[0-9a-f]{8,17}");
    private static final Pattern IP_NAME = Pattern.compile("ip-(\\d{1,3})-(\\d{1,3})-(\\d{1,3})-(\\d{1,3})(?:-.*)?");
    /** A Kubernetes namespace name (RFC 1123 label). */
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    /** The DaemonSet's name in daemonset.yaml; its pods are named {@code <name>-<5 random characters>}. */
    public static final String SENSOR_DAEMONSET = "bulwark-sensor";

    /**
     * @param prefix       the queue name prefix, {@code <name_prefix>-node-}
     * @param keep         queue names never deleted (the node-commands DLQ)
     * @param minAge       a queue younger than this is kept
     * @param maxDeletions deletions per run at most
     * @param dryRun       decide and record, delete nothing
     * @param sensorNamespace the sensor DaemonSet's namespace, where a pod-named queue's pod is looked up; null or
     *                        blank: Kubernetes is not asked, and a pod-named queue is kept
     * @param sensorDaemonSet the DaemonSet's name: a node name {@code <sensorDaemonSet>-<5 lowercase letters or
     *                        digits>} is one of its pods
     */
    public record Settings(String prefix, Set<String> keep, Duration minAge, int maxDeletions, boolean dryRun,
                           String sensorNamespace, String sensorDaemonSet) {
        public Settings {
            if (prefix == null || prefix.isBlank()) {
                throw new IllegalArgumentException("the node-queue-reaper needs the queue name prefix (bulwark.reaper.queue-prefix, e.g. bulwark-node-)");
            }
            if (maxDeletions < 0) {
                throw new IllegalArgumentException("bulwark.reaper.max-deletions must be 0 or more (is " + maxDeletions + ")");
            }
            keep = Set.copyOf(keep);
            sensorNamespace = sensorNamespace == null || sensorNamespace.isBlank() ? null : sensorNamespace.strip();
            if (sensorNamespace != null && !NAMESPACE.matcher(sensorNamespace).matches()) {
                throw new IllegalArgumentException("bulwark.reaper.sensor-namespace must be a Kubernetes namespace name (is " + sensorNamespace + ")");
            }
            sensorDaemonSet = sensorDaemonSet == null || sensorDaemonSet.isBlank() ? SENSOR_DAEMONSET : sensorDaemonSet.strip();
            if (!NAMESPACE.matcher(sensorDaemonSet).matches()) {
                throw new IllegalArgumentException("bulwark.reaper.sensor-daemonset must be a DaemonSet name (is " + sensorDaemonSet + ")");
            }
        }

        /** Kubernetes not asked: every queue with no instance binding is kept. */
        public Settings(String prefix, Set<String> keep, Duration minAge, int maxDeletions, boolean dryRun) {
            this(prefix, keep, minAge, maxDeletions, dryRun, null, null);
        }

        /** Whether a node name is one of the DaemonSet's pods ({@code bulwark-sensor-x7k2p}). */
        boolean isSensorPod(String node) {
            return node.length() == sensorDaemonSet.length() + 6 && node.startsWith(sensorDaemonSet + "-")
                    && node.substring(sensorDaemonSet.length() + 1).chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
        }
    }

    /** What happened to one queue. */
    public enum Action { KEPT, WOULD_DELETE, DELETED, DELETE_FAILED }

    /**
     * One queue's decision, as audited.
     *
     * @param instance the instance the queue is bound to, or null
     * @param at       when it was decided (ISO-8601)
     * @param reason   why (always given)
     */
    public record Decision(String queueUrl, String queue, String node, String instance, Action action, String reason, String at) {}

    /** Where decisions are recorded; a throw on a deletion's record stops that deletion. */
    public interface Audit {
        void record(Decision d) throws Exception;
    }

    /** A run's outcome. */
    public record Result(int queues, int deleted, int kept, boolean dryRun, List<Decision> decisions) {}

    private final SqsClient sqs;
    private final Ec2Client ec2;
    private final Settings settings;
    private final Clock clock;
    private final Audit audit;
    private final KubernetesClient kubernetes;
    private final String kubernetesMissing;
    /** This run's answers of Kubernetes, by pod name. */
    private Map<String, Liveness> pods = Map.of();

    /** Kubernetes not asked (whatever the settings' namespace): a queue with no instance binding is kept. */
    public NodeQueueReaper(SqsClient sqs, Ec2Client ec2, Settings settings, Clock clock, Audit audit) {
        this(sqs, ec2, null, "no Kubernetes client", settings, clock, audit);
    }

    /**
     * @param kubernetes        asked for the sensor's pods when {@link Settings#sensorNamespace()} is set; null: not
     *                          asked, and a pod-named queue is kept with {@code kubernetesMissing} as the reason
     * @param kubernetesMissing why there is no client (when {@code kubernetes} is null)
     */
    public NodeQueueReaper(SqsClient sqs, Ec2Client ec2, KubernetesClient kubernetes, String kubernetesMissing, Settings settings, Clock clock,
                           Audit audit) {
        this.sqs = sqs;
        this.ec2 = ec2;
        this.kubernetes = kubernetes;
        this.kubernetesMissing = kubernetesMissing == null ? "no Kubernetes client" : kubernetesMissing;
        this.settings = settings;
        this.clock = clock;
        this.audit = audit;
    }

    public Result run() {
        List<Decision> out = new ArrayList<>();
        int deleted = 0;
        List<String> urls = listQueues().stream().filter(u -> u.substring(u.lastIndexOf('/') + 1).startsWith(settings.prefix())).toList();
        pods = askKubernetes(urls);
        for (String url : urls) {
            String name = url.substring(url.lastIndexOf('/') + 1);
            Decision d = decide(url, name, deleted);
            if (d.action() == Action.DELETED) {
                d = delete(d);
            }
            if (d.action() == Action.DELETED) {
                deleted++;
            }
            if (d.action() != Action.DELETED) { // a deletion was recorded before it happened
                record(d);
            }
            out.add(d);
        }
        int kept = (int) out.stream().filter(d -> d.action() != Action.DELETED).count();
        return new Result(out.size(), deleted, kept, settings.dryRun(), out);
    }

    private List<String> listQueues() {
        List<String> urls = new ArrayList<>();
        String token = null;
        do {
            String t = token;
            ListQueuesResponse r = sqs.listQueues(b -> b.queueNamePrefix(settings.prefix()).maxResults(1000).nextToken(t));
            urls.addAll(r.queueUrls());
            token = r.nextToken();
        } while (token != null && !token.isEmpty());
        return urls;
    }

    private Decision decide(String url, String name, int deletedSoFar) {
        String node = name.substring(settings.prefix().length());
        if (settings.keep().contains(name) || name.endsWith("-dlq")) {
            return kept(url, name, node, null, "a dead-letter queue or in the keep list: never deleted");
        }
        Map<String, String> tags;
        try {
            tags = sqs.listQueueTags(b -> b.queueUrl(url)).tags();
        } catch (SdkException e) {
            return kept(url, name, node, null, "SQS did not answer for its tags: " + message(e));
        }
        // which instance the queue belongs to
        String instance = instanceOf(tags, node);
        Liveness live;
        Matcher ip = IP_NAME.matcher(node);
        if (instance != null) {
            live = byInstanceId(instance);
        } else if (ip.matches()) {
            live = byPrivateDnsName(node, ip.group(1) + "." + ip.group(2) + "." + ip.group(3) + "." + ip.group(4));
            instance = live.instance();
        } else if (pods.containsKey(node)) {
            live = pods.get(node);
        } else {
            return kept(url, name, node, null, "no instance binding (no " + TAG_INSTANCE_ARN + " tag; the node name is neither an instance id nor an EC2 private DNS name"
                    + (settings.sensorNamespace() == null ? "" : " nor a pod name of DaemonSet " + settings.sensorNamespace() + "/" + settings.sensorDaemonSet())
                    + "): liveness unknown");
        }
        if (!live.gone()) {
            return kept(url, name, node, instance, live.why());
        }
        // the node is gone: the guardrails
        if ("terraform".equals(tags.get(TAG_MANAGED_BY))) {
            return kept(url, name, node, instance, live.why() + "; Terraform's queue (" + TAG_MANAGED_BY + "): remove the host from command_nodes");
        }
        Map<QueueAttributeName, String> a;
        try {
            a = sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED,
                    QueueAttributeName.CREATED_TIMESTAMP)).attributes();
        } catch (SdkException e) {
            return kept(url, name, node, instance, live.why() + "; SQS did not answer for its attributes: " + message(e));
        }
        long messages = count(a, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES) + count(a, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)
                + count(a, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED);
        if (messages != 0) {
            return kept(url, name, node, instance, live.why() + "; holds " + (messages < 0 ? "an unknown number of" : messages) + " message(s): never deleted while it holds one");
        }
        String created = a.get(QueueAttributeName.CREATED_TIMESTAMP);
        Duration age;
        try {
            age = Duration.between(Instant.ofEpochSecond(Long.parseLong(created)), clock.instant());
        } catch (RuntimeException e) {
            return kept(url, name, node, instance, live.why() + "; no creation time from SQS (" + created + ")");
        }
        if (age.compareTo(settings.minAge()) < 0) {
            return kept(url, name, node, instance, live.why() + "; created " + age.toMinutes() + " min ago, under the minimum age " + settings.minAge());
        }
        if (deletedSoFar >= settings.maxDeletions()) {
            return kept(url, name, node, instance, live.why() + "; " + settings.maxDeletions() + " deletion(s) this run already (max-deletions): next run");
        }
        if (settings.dryRun()) {
            return new Decision(url, name, node, instance, Action.WOULD_DELETE, live.why() + "; empty, " + age.toHours() + " h old; dry run", now());
        }
        return new Decision(url, name, node, instance, Action.DELETED, live.why() + "; empty, " + age.toHours() + " h old", now());
    }

    /** Records the deletion, then deletes; an unrecorded deletion does not happen. */
    private Decision delete(Decision d) {
        try {
            audit.record(d);
        } catch (Exception e) {
            return new Decision(d.queueUrl(), d.queue(), d.node(), d.instance(), Action.KEPT,
                    d.reason() + "; not deleted: its audit record could not be written (" + message(e) + ")", now());
        }
        try {
            sqs.deleteQueue(b -> b.queueUrl(d.queueUrl()));
            return d;
        } catch (QueueDoesNotExistException e) {
            return d; // deleted meanwhile: the outcome is the same
        } catch (SdkException e) {
            return new Decision(d.queueUrl(), d.queue(), d.node(), d.instance(), Action.DELETE_FAILED, d.reason() + "; DeleteQueue failed: " + message(e), now());
        }
    }

    private void record(Decision d) {
        try {
            audit.record(d);
        } catch (Exception e) {
            // a kept queue's record is information, not a guardrail: the run goes on
            System.err.println("node-queue-reaper: audit record of " + d.queue() + " not written: " + message(e));
        }
    }

    private String now() {
        return clock.instant().toString();
    }

    private Decision kept(String url, String name, String node, String instance, String why) {
        return new Decision(url, name, node, instance, Action.KEPT, why, now());
    }

    static String instanceOf(Map<String, String> tags, String node) {
        String arn = tags.get(TAG_INSTANCE_ARN);
        if (arn != null && arn.contains(":instance/")) {
            String id = arn.substring(arn.lastIndexOf('/') + 1);
            if (INSTANCE_ID.matcher(id).matches()) {
                return id;
            }
        }
        String id = tags.get(TAG_INSTANCE_ID);
        if (id != null && INSTANCE_ID.matcher(id).matches()) {
            return id;
        }
        return INSTANCE_ID.matcher(node).matches() ? node : null;
    }

    private record Liveness(boolean gone, String instance, String why) {}

    /**
     * GET of each pod-named queue's pod in the sensor's namespace, before any decision (the class comment's two
     * rules). Only queues a decision could ask Kubernetes about: no instance binding by name; a pod-named queue
     * that carries an instance tag is asked about too and then decided by EC2.
     */
    private Map<String, Liveness> askKubernetes(List<String> urls) {
        String ns = settings.sensorNamespace();
        if (ns == null) {
            return Map.of();
        }
        List<String> podNames = new ArrayList<>();
        for (String url : urls) {
            String name = url.substring(url.lastIndexOf('/') + 1);
            String node = name.substring(settings.prefix().length());
            if (settings.isSensorPod(node) && !settings.keep().contains(name) && !name.endsWith("-dlq")) {
                podNames.add(node);
            }
        }
        Map<String, Liveness> out = new HashMap<>();
        if (kubernetes == null) {
            podNames.forEach(p -> out.put(p, new Liveness(false, null, "no instance binding; pod " + ns + "/" + p + " not asked: " + kubernetesMissing + " (kept)")));
            return out;
        }
        String failure = null;
        int exist = 0;
        for (String p : podNames) {
            if (failure != null) {
                out.put(p, new Liveness(false, null, "no instance binding; pod " + ns + "/" + p + " not asked: Kubernetes did not say earlier in this run (" + failure + ") (kept)"));
                continue;
            }
            Pod pod;
            try {
                pod = kubernetes.pods().inNamespace(ns).withName(p).get(); // null: the API answered 404
            } catch (RuntimeException e) {
                failure = kubernetesFailure(e);
                out.put(p, new Liveness(false, null, "Kubernetes did not say whether pod " + ns + "/" + p + " exists: " + failure + " (kept)"));
                continue;
            }
            if (pod == null) {
                out.put(p, new Liveness(true, null, "pod " + ns + "/" + p + " does not exist (Kubernetes answered 404)"));
            } else {
                exist++;
                String phase = pod.getStatus() == null || pod.getStatus().getPhase() == null ? "no phase" : pod.getStatus().getPhase();
                String on = pod.getSpec() == null || pod.getSpec().getNodeName() == null ? "" : " on " + pod.getSpec().getNodeName();
                out.put(p, new Liveness(false, null, "pod " + ns + "/" + p + " exists (" + phase + on + ")"));
            }
        }
        if (failure == null && exist == 0 && !podNames.isEmpty()) {
            int n = podNames.size();
            out.replaceAll((p, l) -> new Liveness(false, null, l.why() + ", but no pod of the run's " + n + " pod-named queue(s) exists in namespace " + ns
                    + ": a wrong bulwark.reaper.sensor-namespace looks the same (kept)"));
        }
        return out;
    }

    private Liveness byInstanceId(String id) {
        DescribeInstancesResponse r;
        try {
            r = ec2.describeInstances(b -> b.instanceIds(id));
        } catch (Ec2Exception e) {
            if (e.awsErrorDetails() != null && "InvalidInstanceID.NotFound".equals(e.awsErrorDetails().errorCode())) {
                return new Liveness(true, id, "EC2 does not know instance " + id + " (InvalidInstanceID.NotFound)");
            }
            return new Liveness(false, id, "EC2 did not answer for " + id + ": " + message(e) + " (kept)");
        } catch (SdkException e) {
            return new Liveness(false, id, "EC2 did not answer for " + id + ": " + message(e) + " (kept)");
        }
        List<Instance> found = r.reservations().stream().flatMap(v -> v.instances().stream()).filter(i -> id.equals(i.instanceId())).toList();
        if (found.isEmpty()) {
            return new Liveness(true, id, "EC2 does not know instance " + id);
        }
        InstanceStateName state = found.get(0).state() == null ? null : found.get(0).state().name();
        if (state == InstanceStateName.TERMINATED) {
            return new Liveness(true, id, "instance " + id + " is terminated");
        }
        return new Liveness(false, id, "instance " + id + " is " + (state == null ? "in an unknown state" : state.toString()));
    }

    private Liveness byPrivateDnsName(String node, String ip) {
        DescribeInstancesResponse r;
        try {
            r = ec2.describeInstances(b -> b.filters(Filter.builder().name("private-ip-address").values(ip).build()));
        } catch (SdkException e) {
            return new Liveness(false, null, "EC2 did not answer for private IP " + ip + ": " + message(e) + " (kept)");
        }
        List<Instance> withIp = r.reservations().stream().flatMap(v -> v.instances().stream()).toList();
        for (Instance i : withIp) {
            InstanceStateName state = i.state() == null ? null : i.state().name();
            if (state == InstanceStateName.TERMINATED || i.privateDnsName() == null || i.privateDnsName().isEmpty()) {
                continue;
            }
            String full = clean(i.privateDnsName());
            String shortName = clean(i.privateDnsName().split("\\.", 2)[0]);
            if (node.equals(full) || node.equals(shortName)) {
                return new Liveness(false, i.instanceId(), "instance " + i.instanceId() + " (" + i.privateDnsName() + ") is " + (state == null ? "in an unknown state" : state.toString()));
            }
        }
        return new Liveness(true, null, "no instance that is not terminated has private IP " + ip + " and this node's name ("
                + withIp.size() + " instance(s) with that IP)");
    }

    /** The node name as the queue name holds it (the shipper's and respond's rule, contract NodeCommandQueue). */
    static String clean(String s) {
        return io.bulwark.contract.NodeCommandQueue.url("{node}", s);
    }

    /** "HTTP 403: pods … is forbidden", or the cause of a request that got no answer ("ConnectException: Connection refused"). */
    static String kubernetesFailure(RuntimeException e) {
        if (e instanceof KubernetesClientException k && k.getCode() > 0) {
            String status = k.getStatus() == null || k.getStatus().getMessage() == null ? message(k) : k.getStatus().getMessage();
            return "HTTP " + k.getCode() + ": " + status;
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? message(e) : message(e) + " (" + root.getClass().getSimpleName() + ": " + (root.getMessage() == null ? "" : root.getMessage().split("\n")[0]) + ")";
    }

    private static long count(Map<QueueAttributeName, String> a, QueueAttributeName k) {
        try {
            return Long.parseLong(a.getOrDefault(k, "-1"));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.split("\n")[0];
    }
}
