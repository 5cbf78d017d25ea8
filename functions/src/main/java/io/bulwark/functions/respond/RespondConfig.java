package io.bulwark.functions.respond;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The respond function's settings ({@code bulwark.respond.*}, or the environment: {@code BULWARK_RESPOND_BUCKET} …).
 * No key holds a secret: AWS credentials come from the SDK's default chain (the Lambda role); webhook URLs and
 * routing keys are {@code env:NAME} references in the playbooks. docs/respond.md lists them.
 */
@ConfigMapping(prefix = "bulwark.respond")
public interface RespondConfig {
    /** Bucket of the response state (the incident store's bucket): idempotency claims, rate counters, approvals, audit. */
    Optional<String> bucket();

    /** Key prefix of the response state in the bucket. */
    @WithDefault("respond")
    String statePrefix();

    /** Local mode: the state as JSON-lines files in this directory (the response module's FileResponseState) instead of S3. */
    Optional<Path> stateDir();

    /** Playbook files or directories loaded besides (or instead of) the bundled default playbook. */
    Optional<List<Path>> playbooks();

    /** Load the bundled default playbook (response/src/main/resources/playbooks/default.yaml). */
    @WithDefault("true")
    boolean defaultPlaybooks();

    /** {@code rest}: the steps after each playbook's leading node steps (the sensor ran those); {@code all}: every step. */
    @WithDefault("rest")
    String part();

    /** Every step a dry run (recorded, nothing changed). */
    @WithDefault("false")
    boolean dryRun();

    /** Who acts, in audit records ({@code respond@<function>} in AWS). */
    @WithDefault("respond")
    String principal();

    /** Mutating actions across all playbooks per {@link #globalLimitWindow()}. */
    @WithDefault("30")
    int globalLimitCount();

    @WithDefault("PT10M")
    Duration globalLimitWindow();

    /** Namespaces the Kubernetes executors refuse on their own as well (the playbooks' guardrails come first). */
    @WithDefault("kube-system,bulwark")
    List<String> protectedNamespaces();

    /** The node command queue (SQS URL; {@code {node}} in it is replaced by the node's hostname for a queue per node); node.* steps become messages on it. */
    Optional<String> commandsQueueUrl();

    /** Local mode: node.* steps become command files in this spool directory (the sensor's up --commands DIR). */
    Optional<Path> commandsDir();

    /** Run k8s.* steps against the cluster of the shared Kubernetes client settings. Off: NOT_CONFIGURED. */
    @WithDefault("false")
    boolean kubernetesEnabled();

    /** Run ec2.*, iam.* and notify.sns (AWS APIs). Off (local mode): NOT_CONFIGURED. */
    @WithDefault("true")
    boolean awsEnabled();

    /** Region of the EC2, IAM, SNS and SQS clients; the SDK's default chain when unset. */
    Optional<String> region();

    /** S3 endpoint override (tests, the local stack); unset in AWS. */
    Optional<URI> s3Endpoint();

    /** Path-style S3 addressing (most local S3 servers). */
    @WithDefault("false")
    boolean s3PathStyle();

    /** Endpoint overrides (tests); unset in AWS. */
    Optional<URI> ec2Endpoint();

    Optional<URI> iamEndpoint();

    Optional<URI> snsEndpoint();

    Optional<URI> sqsEndpoint();

    /**
     * Resolve {@code arn:aws:secretsmanager:…} and {@code ssm:/…} secret references (notify.slack's webhook,
     * notify.pagerduty's routing key) at run time with GetSecretValue / GetParameter; the role needs exactly those
     * secrets (infra: respond_secret_arns, respond_secret_parameter_arns). Off: only env:NAME references work.
     */
    @WithDefault("true")
    boolean secretsEnabled();

    /** Secrets Manager and SSM endpoint overrides (tests); unset in AWS. */
    Optional<URI> secretsmanagerEndpoint();

    Optional<URI> ssmEndpoint();

    /** notify.sns's default topic. */
    Optional<String> incidentTopicArn();

    /** PagerDuty Events API v2 enqueue URL (tests); PagerDuty's own when unset. */
    Optional<String> pagerdutyEndpoint();

    /** The evidence archive bucket: k8s.delete-pod runs only when the incident's manifest is there. */
    Optional<String> archiveBucket();

    /** Local mode: directories holding evidence (the archive store var/archive/bulwark-archive, the spool var/evidence). */
    Optional<List<Path>> evidenceDirs();

    /** Timeout of one AWS API call. */
    @WithDefault("PT10S")
    Duration callTimeout();
}
