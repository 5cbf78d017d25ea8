package io.bulwark.response.action;

import java.util.Locale;

/** Where an action acts; the prefix of its name ({@code node.freeze} is {@link #NODE}). */
public enum Scope {
    /** On the node, by the sensor itself (fast path) or through the node command channel. */
    NODE,
    /** The Kubernetes API (fabric8). */
    K8S,
    /** The EC2 API. */
    EC2,
    /** The IAM API. */
    IAM,
    /** A notification channel (SNS, Slack, PagerDuty). */
    NOTIFY,
    /** A SIEM export. */
    SIEM,
    /** Flow control inside the responder (the approval step); no executor. */
    CONTROL;

    /** The lower-case name used in action names and output. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
