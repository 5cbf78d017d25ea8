package io.bulwark.functions.respond.act;

import io.bulwark.functions.respond.act.ec2.IsolateExecutor;
import io.bulwark.functions.respond.act.ec2.KeepVolumesExecutor;
import io.bulwark.functions.respond.act.ec2.RevokeSessionsExecutor;
import io.bulwark.functions.respond.act.ec2.SnapshotExecutor;
import io.bulwark.functions.respond.act.ec2.TerminationProtectionExecutor;
import io.bulwark.functions.respond.act.k8s.CordonExecutor;
import io.bulwark.functions.respond.act.k8s.DeletePodExecutor;
import io.bulwark.functions.respond.act.k8s.DenyAllNetpolExecutor;
import io.bulwark.functions.respond.act.k8s.EvidenceCheck;
import io.bulwark.functions.respond.act.k8s.QuarantineLabelExecutor;
import io.bulwark.functions.respond.act.node.CommandChannel;
import io.bulwark.functions.respond.act.node.NodeCommandExecutor;
import io.bulwark.functions.respond.act.node.NodeFreezeExecutor;
import io.bulwark.functions.respond.act.node.NodeKillExecutor;
import io.bulwark.functions.respond.act.node.NodeStopExecutor;
import io.bulwark.functions.respond.act.node.NodeThawExecutor;
import io.bulwark.functions.respond.act.notify.OcsfExecutor;
import io.bulwark.functions.respond.act.notify.PagerDutyExecutor;
import io.bulwark.functions.respond.act.notify.Secrets;
import io.bulwark.functions.respond.act.notify.SlackExecutor;
import io.bulwark.functions.respond.act.notify.SnsExecutor;
import io.bulwark.response.action.Executors;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * The respond function's executors, registered in the response module's registry ({@link Executors}) for what this
 * environment has: a family whose client is null is not registered, and its steps are recorded NOT_CONFIGURED
 * (local mode without a cluster or AWS). {@link #notes()} says, per family, why it is or is not there.
 *
 * @param principal          who acts (audit records, node commands' requested_by)
 * @param commands           the node command channel (null: node.* not configured)
 * @param kubernetes         the cluster (null: k8s.* not configured)
 * @param protectedNamespaces namespaces the k8s executors refuse on their own as well
 * @param evidence           where k8s.delete-pod looks for the incident's manifest (null: delete-pod not configured)
 * @param ec2                EC2 (null: ec2.* and iam.* not configured)
 * @param iam                IAM (null: iam.revoke-sessions not configured)
 * @param sns                SNS (null: notify.sns not configured)
 * @param incidentTopic      notify.sns's default topic
 * @param secrets            resolves secret references (Slack webhook, PagerDuty routing key): env:NAME, Secrets Manager ARNs, ssm:/NAME
 * @param pagerDutyEndpoint  Events API v2 enqueue URL (null: PagerDuty's)
 * @param s3                 for siem.ocsf s3:// destinations (may be null)
 * @param nodeOfIncident     the node (and its command queue key) an incident's earlier command went to (release of node.freeze)
 */
public record RespondExecutors(String principal, CommandChannel commands, KubernetesClient kubernetes, Set<String> protectedNamespaces,
        EvidenceCheck evidence, Ec2Client ec2, IamClient iam, SnsClient sns, String incidentTopic, Secrets secrets,
        String pagerDutyEndpoint, S3Client s3, Function<String, NodeCommandExecutor.Address> nodeOfIncident) {

    public Executors build() {
        Executors e = Executors.of();
        if (commands != null) {
            for (NodeCommandExecutor x : List.of(new NodeFreezeExecutor(commands, principal), new NodeThawExecutor(commands, principal),
                    new NodeKillExecutor(commands, principal), new NodeStopExecutor(commands, principal))) {
                if (nodeOfIncident != null) x.nodeOfIncident(nodeOfIncident);
                e.register(x);
            }
        }
        if (kubernetes != null) {
            e.register(new QuarantineLabelExecutor(kubernetes, protectedNamespaces));
            e.register(new DenyAllNetpolExecutor(kubernetes, protectedNamespaces));
            e.register(new CordonExecutor(kubernetes, protectedNamespaces));
            if (evidence != null) e.register(new DeletePodExecutor(kubernetes, protectedNamespaces, evidence));
        }
        if (ec2 != null) {
            e.register(new IsolateExecutor(ec2));
            e.register(new TerminationProtectionExecutor(ec2));
            e.register(new KeepVolumesExecutor(ec2));
            e.register(new SnapshotExecutor(ec2));
            if (iam != null) e.register(new RevokeSessionsExecutor(ec2, iam));
        }
        if (sns != null) e.register(new SnsExecutor(sns, incidentTopic));
        if (secrets != null) {
            e.register(new SlackExecutor(secrets));
            e.register(new PagerDutyExecutor(secrets, pagerDutyEndpoint));
        }
        e.register(new OcsfExecutor(s3));
        return e;
    }

    /** One line per family: configured or why not. */
    public List<String> notes() {
        List<String> n = new ArrayList<>();
        n.add("node.*: " + (commands == null ? "not configured (no command queue or spool)" : "commands via " + commands.getClass().getSimpleName()));
        n.add("k8s.*: " + (kubernetes == null ? "not configured (no cluster)" : "cluster " + kubernetes.getMasterUrl()
                + (evidence == null ? "; k8s.delete-pod not configured (no evidence archive)" : "")));
        n.add("ec2.*/iam.*: " + (ec2 == null ? "not configured (no AWS region/credentials)" : "configured" + (iam == null ? " (iam.revoke-sessions not)" : "")));
        n.add("notify.sns: " + (sns == null ? "not configured" : "default topic " + incidentTopic));
        return n;
    }
}
