package io.bulwark.functions.reaper;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * that is an EC2 private DNS name ({@code ip-10-0-1-23…}, looked up by that private IP). A queue with no such
 * binding is kept: without an answer from EC2 nothing is deleted.
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

    /**
     * @param prefix       the queue name prefix, {@code <name_prefix>-node-}
     * @param keep         queue names never deleted (the node-commands DLQ)
     * @param minAge       a queue younger than this is kept
     * @param maxDeletions deletions per run at most
     * @param dryRun       decide and record, delete nothing
     */
    public record Settings(String prefix, Set<String> keep, Duration minAge, int maxDeletions, boolean dryRun) {
        public Settings {
            if (prefix == null || prefix.isBlank()) {
                throw new IllegalArgumentException("the node-queue-reaper needs the queue name prefix (bulwark.reaper.queue-prefix, e.g. bulwark-node-)");
            }
            if (maxDeletions < 0) {
                throw new IllegalArgumentException("bulwark.reaper.max-deletions must be 0 or more (is " + maxDeletions + ")");
            }
            keep = Set.copyOf(keep);
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

    public NodeQueueReaper(SqsClient sqs, Ec2Client ec2, Settings settings, Clock clock, Audit audit) {
        this.sqs = sqs;
        this.ec2 = ec2;
        this.settings = settings;
        this.clock = clock;
        this.audit = audit;
    }

    public Result run() {
        List<Decision> out = new ArrayList<>();
        int deleted = 0;
        for (String url : listQueues()) {
            String name = url.substring(url.lastIndexOf('/') + 1);
            if (!name.startsWith(settings.prefix())) {
                continue;
            }
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
        if (instance != null) {
            live = byInstanceId(instance);
        } else {
            Matcher ip = IP_NAME.matcher(node);
            if (!ip.matches()) {
                return kept(url, name, node, null, "no instance binding (no " + TAG_INSTANCE_ARN + " tag; the node name is neither an instance id nor an EC2 private DNS name): liveness unknown");
            }
            live = byPrivateDnsName(node, ip.group(1) + "." + ip.group(2) + "." + ip.group(3) + "." + ip.group(4));
            instance = live.instance();
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

    private static long count(Map<QueueAttributeName, String> a, QueueAttributeName k) {
        try {
            return Long.parseLong(a.getOrDefault(k, "-1"));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String message(Exception e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.split("\n")[0];
    }
}
