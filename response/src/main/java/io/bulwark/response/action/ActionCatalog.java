package io.bulwark.response.action;

import static io.bulwark.response.action.ParamSpec.oneOf;
import static io.bulwark.response.action.ParamSpec.optional;
import static io.bulwark.response.action.ParamSpec.required;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every action a playbook may name (issue 13's list) and the built-in {@code approval} step. The catalogue is
 * static: which actions can actually run depends on the executors a process registers ({@link Executors}).
 */
public final class ActionCatalog {
    /** The built-in step that waits for an approval event (see {@code Responder}). */
    public static final String APPROVAL = "control.approval";
    public static final String EVIDENCE = "node.evidence";

    private static final ActionCatalog DEFAULT = new ActionCatalog(defaults());

    private final Map<String, Action> actions = new LinkedHashMap<>();

    /** A catalogue of these actions (tests may build a smaller one; the product uses {@link #standard()}). */
    public ActionCatalog(Collection<? extends Action> actions) {
        for (Action a : actions) {
            if (this.actions.putIfAbsent(a.name(), a) != null) throw new IllegalArgumentException("action " + a.name() + " twice");
        }
    }

    /** The product's catalogue. */
    public static ActionCatalog standard() {
        return DEFAULT;
    }

    public Optional<Action> find(String name) {
        return Optional.ofNullable(actions.get(name));
    }

    /** All actions, in catalogue order (node, k8s, ec2, iam, notify, siem, control). */
    public List<Action> all() {
        return List.copyOf(actions.values());
    }

    private static List<Action> defaults() {
        List<Action> l = new ArrayList<>();
        // Node: run by the sensor (fast path) or sent to it through the node command channel.
        l.add(new CatalogAction(EVIDENCE,
                "Capture evidence of the container: the volatile snapshot at once (timeline, process tree, /proc of the involved "
                        + "processes), then in the background OCI config, changed files, connections, audit records; "
                        + "a manifest with SHA-256 per artifact",
                TargetKind.CONTAINER, false, false, false, false, Optional.empty(), "",
                List.of(optional("full", ParamType.BOOL, true, "after the volatile snapshot, capture the rest from the (frozen) container"),
                        optional("changed_files_max_mib", ParamType.INT, 256L, "cap on the changed-files archive"))));
        l.add(new CatalogAction("node.freeze",
                "Freeze every process of the container (cgroup v2 cgroup.freeze or the v1 freezer); memory stays for capture",
                TargetKind.CONTAINER, true, true, false, true, Optional.of("node.thaw"), "thaw the container",
                List.of(optional("timeout", ParamType.DURATION, "2s", "how long to wait for the cgroup to report frozen"))));
        l.add(new CatalogAction("node.thaw", "Thaw a frozen container (the undo of node.freeze; ./bulwark release)",
                TargetKind.CONTAINER, true, false, false, true, Optional.of("node.freeze"), "freeze it again",
                List.of()));
        l.add(new CatalogAction("node.kill", "Kill the offending process (or its tree inside the container)",
                TargetKind.CONTAINER, true, true, true, false, Optional.empty(), "",
                List.of(oneOf("signal", "KILL", List.of("KILL", "TERM"), "signal to send"),
                        oneOf("scope", "process", List.of("process", "process-tree", "container"), "the alert's process, it and its descendants, or every process of the container"))));
        l.add(new CatalogAction("node.stop", "Stop the container through its runtime (runc/containerd): SIGTERM, SIGKILL after the grace period",
                TargetKind.CONTAINER, true, true, true, false, Optional.empty(), "",
                List.of(optional("grace", ParamType.DURATION, "10s", "time between SIGTERM and SIGKILL"))));
        // Kubernetes (fabric8, EKS auth)
        l.add(new CatalogAction("k8s.quarantine-label", "Label the pod as quarantined (selectable by NetworkPolicies and admission policies)",
                TargetKind.POD, true, true, false, true, Optional.empty(), "remove the label",
                List.of(optional("label", ParamType.STRING, "bulwark.dev/quarantine", "label key; the value is the incident id"))));
        l.add(new CatalogAction("k8s.deny-all-netpol", "Create a NetworkPolicy selecting only this pod that denies all ingress and egress",
                TargetKind.POD, true, true, false, true, Optional.empty(), "delete the NetworkPolicy",
                List.of(optional("name_prefix", ParamType.STRING, "bulwark-quarantine-", "policy name = prefix + pod name"),
                        optional("allow_dns", ParamType.BOOL, false, "keep egress to kube-dns open"))));
        l.add(new CatalogAction("k8s.delete-pod", "Delete the pod (after evidence); its controller may start a clean replacement",
                TargetKind.POD, true, true, true, false, Optional.empty(), "",
                List.of(optional("grace_period", ParamType.DURATION, "0s", "termination grace period"))));
        l.add(new CatalogAction("k8s.cordon", "Cordon the node so nothing new is scheduled on it",
                TargetKind.NODE, true, true, false, true, Optional.empty(), "uncordon the node",
                List.of()));
        // EC2 / IAM
        l.add(new CatalogAction("ec2.isolate",
                "Isolate the instance: every ENI first to an allow-all staging security group (tracked connections become untracked), "
                        + "then to an isolation group without rules, which cuts them; the old groups are recorded",
                TargetKind.INSTANCE, true, true, false, true, Optional.empty(), "restore the recorded security groups",
                List.of(optional("isolation_security_group", ParamType.STRING, null, "rule-less group to end in (created per VPC when absent)"),
                        optional("staging_security_group", ParamType.STRING, null, "allow-all group for the first step (created per VPC when absent)"))));
        l.add(new CatalogAction("ec2.termination-protection", "Turn on termination protection (and stop protection) for the instance",
                TargetKind.INSTANCE, true, false, false, true, Optional.empty(), "restore the previous protection settings",
                List.of()));
        l.add(new CatalogAction("ec2.keep-volumes", "Set DeleteOnTermination=false on every attached EBS volume",
                TargetKind.INSTANCE, true, false, false, true, Optional.empty(), "restore the previous DeleteOnTermination flags",
                List.of()));
        l.add(new CatalogAction("ec2.snapshot", "Request EBS snapshots of the instance's volumes, tagged with the incident id (kept: evidence)",
                TargetKind.INSTANCE, false, false, false, false, Optional.empty(), "",
                List.of(optional("tags", ParamType.STRING_LIST, List.of(), "extra key=value tags"))));
        l.add(new CatalogAction("iam.revoke-sessions",
                "Revoke the instance role's sessions issued before now (an inline deny on aws:TokenIssueTime)",
                TargetKind.INSTANCE_ROLE, true, true, false, true, Optional.empty(), "remove the inline deny policy",
                List.of()));
        // Notify / SIEM
        l.add(new CatalogAction("notify.sns", "Publish the incident summary to an SNS topic",
                TargetKind.INCIDENT, false, false, false, false, Optional.empty(), "",
                List.of(optional("topic_arn", ParamType.STRING, null,
                        "the topic (default: the incidents topic the executor is configured with, BULWARK_INCIDENT_TOPIC_ARN)"))));
        l.add(new CatalogAction("notify.slack", "Post the incident summary to a Slack incoming webhook",
                TargetKind.INCIDENT, false, false, false, false, Optional.empty(), "",
                List.of(required("webhook", ParamType.SECRET_REF, "where the webhook URL is kept (the URL is a secret)"),
                        optional("mention", ParamType.STRING, null, "e.g. @oncall, prepended to the message"))));
        l.add(new CatalogAction("notify.pagerduty", "Trigger a PagerDuty Events v2 alert (dedup key = incident id)",
                TargetKind.INCIDENT, false, false, false, false, Optional.empty(), "",
                List.of(required("routing_key", ParamType.SECRET_REF, "where the integration's routing key is kept"),
                        oneOf("severity", "auto", List.of("auto", "critical", "error", "warning", "info"), "auto: from the alert's priority"))));
        l.add(new CatalogAction("siem.ocsf", "Export the alert and the incident as OCSF Detection Findings (class 2004)",
                TargetKind.INCIDENT, false, false, false, false, Optional.empty(), "",
                List.of(optional("destination", ParamType.STRING, "file:var/siem/ocsf.jsonl", "file:PATH (JSON lines), s3://BUCKET/PREFIX or https://URL"))));
        // Control
        l.add(new CatalogAction(APPROVAL,
                "Wait for an approval event (source bulwark.approval) before the next steps; after the timeout the default decides",
                TargetKind.INCIDENT, false, false, false, false, Optional.empty(), "",
                List.of(optional("timeout", ParamType.DURATION, null, "how long to wait (default: guardrails.approval.timeout, else 15m)"),
                        new ParamSpec("default", ParamType.ENUM, false, null, List.of("approve", "deny"),
                                "decision at the timeout (default: guardrails.approval.default, else deny)"),
                        optional("reason", ParamType.STRING, null, "shown to the approver"))));
        return l;
    }
}
