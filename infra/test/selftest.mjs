#!/usr/bin/env node
// Proves that check.mjs fails on broken input: each case copies infra/ and the pattern files into
// a temporary directory, breaks one thing, runs check.mjs on the copy and expects exit code 1 with
// the expected reason. A case whose text to break is no longer in the files fails too, so the
// cases cannot silently go stale.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const INFRA = path.resolve(here, '..');
const REPO = path.resolve(INFRA, '..');
const PATTERNS_REL = 'functions/src/main/resources/patterns';
const RESPONSE_PATTERNS_REL = 'response/src/main/resources/patterns';

const replace = (file, from, to) => ({ file, from, to });
const CASES = [
  { name: 'unbroken copy', baseline: true },
  { name: 'wildcard action', edit: replace('modules/iam/main.tf', 'sid       = "SendAlerts"\n    effect    = "Allow"\n    actions   = ["sqs:SendMessage"]', 'sid       = "SendAlerts"\n    effect    = "Allow"\n    actions   = ["sqs:*"]'), expect: 'wildcard action "sqs:*"' },
  { name: 'bare * action', edit: replace('modules/iam/main.tf', 'actions   = ["s3:GetObject", "s3:PutObject"]\n    resources = [local.audit_objects]', 'actions   = ["*"]\n    resources = [local.audit_objects]'), expect: 'wildcard action "*"' },
  { name: 'bare * resource', edit: replace('modules/iam/main.tf', 'resources = [var.alerts_queue_arn]\n  }\n\n  statement {\n    sid       = "PoisonToTheAlertsDlq"', 'resources = ["*"]\n  }\n\n  statement {\n    sid       = "PoisonToTheAlertsDlq"'), expect: 'resource "*" where an ARN is known' },
  { name: 'sensor may read the archive', edit: replace('modules/iam/main.tf', 'sid       = "PutObjectsUnderOwnNodePrefix"\n    effect    = "Allow"\n    actions   = ["s3:PutObject"]', 'sid       = "PutObjectsUnderOwnNodePrefix"\n    effect    = "Allow"\n    actions   = ["s3:GetObject", "s3:PutObject"]'), expect: 'the sensor must not have s3:GetObject' },
  { name: 'policy through jsonencode', edit: replace('modules/iam/main.tf', 'policy = data.aws_iam_policy_document.triage.json', 'policy = jsonencode({ Statement = [] })'), expect: 'must be data.aws_iam_policy_document' },
  { name: 'inline event pattern', edit: replace('modules/bus/main.tf', 'event_pattern  = file("${local.patterns_dir}/escape-surface-report.json")', 'event_pattern  = jsonencode({ source = ["bulwark.sensor"] })'), expect: 'event_pattern must be file()' },
  { name: 'pattern file no rule uses', add: { file: `../${PATTERNS_REL}/unused-pattern.json`, text: '{"source": ["bulwark.sensor"]}\n' }, expect: 'no EventBridge rule of infra/modules/bus uses this pattern file' },
  { name: 'queue without redrive', edit: replace('modules/queues/main.tf', '  redrive_policy = jsonencode({\n    deadLetterTargetArn = aws_sqs_queue.alerts_dlq.arn\n    maxReceiveCount     = var.alerts_max_receive_count\n  })\n', ''), expect: 'aws_sqs_queue.alerts: no redrive_policy' },
  { name: 'event target without DLQ', edit: replace('modules/bus/main.tf', '  arn            = each.value.arn\n\n  retry_policy {\n    maximum_retry_attempts       = var.maximum_retry_attempts\n    maximum_event_age_in_seconds = var.maximum_event_age_in_seconds\n  }\n\n  dead_letter_config {\n    arn = aws_sqs_queue.targets_dlq.arn\n  }\n', '  arn            = each.value.arn\n\n  retry_policy {\n    maximum_retry_attempts       = var.maximum_retry_attempts\n    maximum_event_age_in_seconds = var.maximum_event_age_in_seconds\n  }\n'), expect: 'aws_cloudwatch_event_target.lambda: no dead_letter_config' },
  { name: 'function without DLQ', edit: replace('modules/functions/main.tf', '  dead_letter_config {\n    target_arn = var.dead_letter_queue_arn\n  }\n', ''), expect: 'aws_lambda_function.this: no dead_letter_config' },
  { name: 'archive without Object Lock', edit: replace('modules/archive/main.tf', 'object_lock_enabled = true', 'object_lock_enabled = false'), expect: 'object_lock_enabled = true' },
  { name: 'archive without KMS', edit: replace('modules/archive/main.tf', 'sse_algorithm     = "aws:kms"\n      kms_master_key_id = aws_kms_key.archive.arn', 'sse_algorithm     = "AES256"\n      kms_master_key_id = aws_kms_key.archive.arn'), expect: 'default encryption must be aws:kms' },
  { name: 'variable without description', edit: replace('modules/queues/variables.tf', '  description = "Retention of every dead-letter queue (seconds; 14 days is the SQS maximum)."\n', ''), expect: 'variable "dlq_message_retention_seconds" has no description' },
  { name: 'variable without type', edit: replace('modules/bus/variables.tf', '  description = "Retention of the alert log group (days)."\n  type        = number\n', '  description = "Retention of the alert log group (days)."\n'), expect: 'variable "log_retention_days" has no type' },
  { name: 'unformatted HCL', edit: replace('modules/queues/outputs.tf', 'value       = var.kms_key_arn', 'value = var.kms_key_arn'), expect: 'not formatted' },
  { name: 'misspelt DaemonSet field', edit: replace('modules/sensor/daemonset.yaml', 'hostPID: true', 'hostPid: true'), expect: '"spec.template.spec.hostPid" is not a field of V1DaemonSet' },
  { name: 'DaemonSet not privileged', edit: replace('modules/sensor/daemonset.yaml', 'privileged: true', 'privileged: false'), expect: 'must be privileged' },
  { name: 'outbox not mounted', edit: replace('modules/sensor/daemonset.yaml', 'path: /var/lib/bulwark\n', 'path: /var/lib/other\n'), expect: 'host path /var/lib/bulwark is not mounted' },
  { name: 'BTF not mounted', edit: replace('modules/sensor/daemonset.yaml', '            - name: btf\n              mountPath: /sys/kernel/btf\n              readOnly: true\n', ''), expect: 'host path /sys/kernel/btf is not mounted' },
  { name: 'readiness probe path', edit: replace('modules/sensor/daemonset.yaml', 'path: /health/ready', 'path: /ready'), expect: 'readinessProbe must GET /health/ready' },
  { name: 'broken YAML', edit: replace('modules/sensor/daemonset.yaml', '  template:\n    metadata:', '  template:\n   metadata:\n  - x'), expect: 'YAML error' },
  { name: 'systemd unit breaking the JIT', edit: replace('modules/sensor/bulwark-sensor.service', 'LockPersonality=yes\n', 'LockPersonality=yes\nMemoryDenyWriteExecute=yes\n'), expect: 'MemoryDenyWriteExecute=yes breaks the sensor' },
  // triage, respond, GuardDuty, the command channel, the shipper (issue 13's functions in infra/)
  { name: 'containment rule not the playbook\'s file', edit: replace('modules/bus/main.tf', 'file("${local.response_patterns_dir}/containment.json")', 'file("${local.patterns_dir}/critical-alert.json")'), expect: 'aws_cloudwatch_event_rule.containment must read response/src/main/resources/patterns/containment.json' },
  { name: 'GuardDuty rule with another pattern', edit: replace('modules/bus/main.tf', 'file("${local.patterns_dir}/guardduty-finding.json")', 'file("${local.patterns_dir}/sensor-alert.json")'), expect: 'guardduty_finding must use patterns/guardduty-finding.json' },
  { name: 'GuardDuty rule on the Bulwark bus', edit: replace('modules/bus/main.tf', 'event_bus_name = "default"\n  event_pattern', 'event_bus_name = aws_cloudwatch_event_bus.this.name\n  event_pattern'), expect: 'guardduty_finding must be on the default bus' },
  { name: 'alerts queue admits EventBridge without SourceArn', edit: replace('modules/queues/main.tf', '      condition {\n        test     = "ArnEquals"\n        variable = "aws:SourceArn"\n        values   = var.alerts_event_rule_arns\n      }\n', ''), expect: 'the alerts queue policy must allow events.amazonaws.com' },
  { name: 'old bus setting name', edit: replace('examples/complete/main.tf', 'BULWARK_BUS_NAME           = module.bus.bus_name', 'BULWARK_AUDIT_BUS_NAME     = module.bus.bus_name'), expect: 'BULWARK_AUDIT_BUS_NAME… is no longer read' },
  { name: 'triage DLQ URL of another queue', edit: replace('examples/complete/main.tf', 'BULWARK_TRIAGE_DLQ_URL = module.queues.alerts_dlq_url', 'BULWARK_TRIAGE_DLQ_URL = module.queues.alerts_queue_url'), expect: 'triage needs BULWARK_TRIAGE_DLQ_URL' },
  { name: 'respond commands to the alerts queue', edit: replace('examples/complete/main.tf', 'BULWARK_RESPOND_COMMANDS_QUEUE_URL = module.queues.node_commands_queue_url_template', 'BULWARK_RESPOND_COMMANDS_QUEUE_URL = module.queues.alerts_queue_url'), expect: 'respond needs BULWARK_RESPOND_COMMANDS_QUEUE_URL' },
  { name: 'respond not on approvals', edit: replace('examples/complete/main.tf', 'rule          = "approval"', 'rule          = "incident"'), expect: 'the respond function must be a target of the approval rule' },
  { name: 'triage cannot dead-letter poison', edit: replace('modules/iam/main.tf', 'resources = [var.alerts_dlq_arn]', 'resources = [var.functions_dlq_arn]'), expect: 'triage: sqs:SendMessage on the alerts DLQ' },
  { name: 'triage cannot read its store', edit: replace('modules/iam/main.tf', 'sid       = "IncidentStore"\n    effect    = "Allow"\n    actions   = ["s3:GetObject", "s3:PutObject"]', 'sid       = "IncidentStore"\n    effect    = "Allow"\n    actions   = ["s3:PutObject"]'), expect: 'triage: s3:GetObject on the incident store' },
  { name: 'event source batch size', edit: replace('modules/functions/variables.tf', 'default     = 10\n', 'default     = 100\n'), expect: 'batch size 10 (is 100)' },
  { name: 'event source without maximum concurrency', edit: replace('modules/functions/main.tf', '\n  scaling_config {\n    maximum_concurrency = var.triage_maximum_concurrency\n  }\n', '\n'), expect: 'maximum_concurrency expected' },
  { name: 'alerts visibility under 6 x triage timeout', edit: replace('modules/queues/variables.tf', 'default     = 180', 'default     = 60'), expect: 'alerts queue visibility timeout 60 s must be at least 6 x triage\'s timeout 30 s' },
  { name: 'function zip uploaded directly', edit: replace('modules/functions/main.tf', 's3_bucket         = aws_s3_object.package.bucket', 'filename          = local.package_file'), expect: 'must deploy through S3' },
  { name: 'respond commands any queue', edit: replace('modules/iam/main.tf', 'sid       = "CommandTheNodes"\n    effect    = "Allow"\n    actions   = ["sqs:SendMessage"]\n    resources = [var.node_commands_queue_arn_pattern]', 'sid       = "CommandTheNodes"\n    effect    = "Allow"\n    actions   = ["sqs:SendMessage"]\n    resources = ["*"]'), expect: 'resource "*" where an ARN is known' },
  { name: 'respond iam:* on the node roles', edit: replace('modules/iam/main.tf', 'actions   = ["iam:DeleteRolePolicy", "iam:PutRolePolicy"]', 'actions   = ["iam:*"]'), expect: 'wildcard action "iam:*"' },
  { name: 'respond writes any role\'s policies', edit: replace('modules/iam/main.tf', 'resources = var.node_instance_role_arns', 'resources = ["arn:aws:iam::111122223333:role/*"]'), expect: 'iam:PutRolePolicy/DeleteRolePolicy only on var.node_instance_role_arns' },
  { name: 'respond cannot publish to SNS', edit: replace('modules/iam/main.tf', 'actions   = ["sns:Publish"]', 'actions   = ["sns:GetTopicAttributes"]'), expect: 'respond: sns:Publish on the incidents topic' },
  { name: 'respond tags anything', edit: replace('modules/iam/main.tf', '        variable = "ec2:CreateAction"\n        values   = ["CreateSnapshots", "CreateSecurityGroup"]', '        variable = "aws:RequestTag/bulwark:incident"\n        values   = ["*"]'), expect: 'ec2:CreateTags only as part of a create call' },
  { name: 'node queue names unsanitised', edit: replace('modules/queues/main.tf', 'replace(n, "/[^A-Za-z0-9_-]/", "-")', 'n'), expect: 'node queue names must sanitise the host name' },
  { name: 'sensor puts anywhere in the archive', edit: replace('modules/iam/main.tf', 'local.incidents_objects, local.index_objects, local.keys_objects]', 'local.incidents_objects, local.index_objects, local.keys_objects, "${var.archive_bucket_arn}/*"]'), expect: 'the sensor may put objects only under incidents/, index/, keys/ and its node prefix' },
  { name: 'sensor cannot sign with KMS', edit: replace('modules/iam/main.tf', 'actions   = ["kms:GetPublicKey", "kms:Sign"]', 'actions   = ["kms:GetPublicKey"]'), expect: 'the sensor role needs kms:Sign' },
  { name: 'shipper evidence without a key', edit: replace('modules/sensor/main.tf', 'var.signing_kms_key_id == null ? ["--sign-key", "/var/lib/bulwark/keys/manifest.pem"] : ["--kms-key-id", var.signing_kms_key_id],', '[],'), expect: 'needs --sign-key or --kms-key-id' },
  { name: 'respond may list pods', edit: replace('modules/sensor/responders.yaml', 'verbs: ["get", "patch", "delete"]', 'verbs: ["get", "list", "patch", "delete"]'), expect: 'ClusterRole bulwark-respond: /pods verbs must be exactly delete,get,patch' },
  // per-node command queues, falcosidekick, GuardDuty Runtime Monitoring, the node-queue-reaper
  { name: 'pod identity sensor reads every node queue', edit: replace('modules/iam/main.tf', 'var.sensor_identity == "pod_identity" ? "${local.node_commands_queue_arn_prefix}$${aws:PrincipalTag/kubernetes-pod-name}" : var.node_commands_queue_arn_pattern', 'var.node_commands_queue_arn_pattern'), expect: 'with Pod Identity a sensor pod may take commands only from' },
  { name: 'EC2 sensor reads any instance\'s queue', edit: replace('modules/iam/main.tf', '      condition {\n        test     = "StringEquals"\n        variable = "aws:ResourceTag/bulwark:instance-arn"\n        values   = ["$${ec2:SourceInstanceARN}"]\n      }\n', ''), expect: 'TakeOwnInstanceCommands: only the queue whose bulwark:instance-arn tag is the calling instance' },
  { name: 'EC2 sensor may tag queues', edit: replace('modules/iam/main.tf', '      sid    = "TakeOwnInstanceCommands"\n      effect = "Allow"\n      actions = [\n', '      sid    = "TakeOwnInstanceCommands"\n      effect = "Allow"\n      actions = [\n        "sqs:TagQueue",\n'), expect: 'an EC2 host must not create, tag or untag queues' },
  { name: 'sensor receives from a third statement', edit: replace('modules/iam/main.tf', 'sid       = "SendAlerts"\n    effect    = "Allow"\n    actions   = ["sqs:SendMessage"]', 'sid       = "SendAlerts"\n    effect    = "Allow"\n    actions   = ["sqs:ReceiveMessage", "sqs:SendMessage"]'), expect: 'the sensor policy takes commands in exactly two statements' },
  { name: 'node queue without its instance tag', edit: replace('modules/queues/main.tf', '{ "bulwark:instance-arn" = "${local.ec2_instance_arn_prefix}${var.command_node_instance_ids[each.key]}" }', '{ "bulwark:instance" = var.command_node_instance_ids[each.key] }'), expect: 'must be tagged bulwark:instance-arn = its instance ARN' },
  { name: 'falcosidekick may read alerts', edit: replace('modules/iam/main.tf', 'sid       = "SendFalcoAlerts"\n    effect    = "Allow"\n    actions   = ["sqs:SendMessage"]', 'sid       = "SendFalcoAlerts"\n    effect    = "Allow"\n    actions   = ["sqs:ReceiveMessage", "sqs:SendMessage"]'), expect: 'falcosidekick may only sqs:SendMessage' },
  { name: 'falcosidekick sends to the node queues', edit: replace('modules/iam/main.tf', 'sid       = "SendFalcoAlerts"\n    effect    = "Allow"\n    actions   = ["sqs:SendMessage"]\n    resources = [var.alerts_queue_arn]', 'sid       = "SendFalcoAlerts"\n    effect    = "Allow"\n    actions   = ["sqs:SendMessage"]\n    resources = [var.alerts_queue_arn, var.node_commands_queue_arn_pattern]'), expect: 'falcosidekick: sqs:SendMessage on the alerts queue only' },
  { name: 'falcosidekick trusted for any service account', edit: replace('modules/iam/main.tf', '["system:serviceaccount:${statement.value.namespace}:${statement.value.service_account}"]', '["system:serviceaccount:${statement.value.namespace}:*"]'), expect: 'must name its own service account' },
  { name: 'GuardDuty EKS-only runtime feature', edit: replace('modules/guardduty/main.tf', 'name        = "RUNTIME_MONITORING"', 'name        = "EKS_RUNTIME_MONITORING"'), expect: 'RUNTIME_MONITORING ENABLED' },
  { name: 'GuardDuty without the EKS add-on', edit: replace('modules/guardduty/main.tf', 'status = var.eks_addon_management ? "ENABLED" : "DISABLED"', 'status = "DISABLED"'), expect: 'EKS_ADDON_MANAGEMENT' },
  { name: 'GuardDuty always on', edit: replace('examples/complete/main.tf', 'count  = var.guardduty_runtime_monitoring ? 1 : 0', 'count  = 1'), expect: 'module "guardduty" only with var.guardduty_runtime_monitoring' },
  { name: 'GuardDuty findings nobody triages', edit: replace('examples/complete/main.tf', 'guardduty_findings = var.guardduty_findings || var.guardduty_runtime_monitoring', 'guardduty_findings = var.guardduty_findings'), expect: 'with guardduty_runtime_monitoring the findings rule must be on' },
  { name: 'reaper deletes the alerts queue', edit: replace('modules/iam/main.tf', 'actions   = ["sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:ListQueueTags"]\n    resources = [var.node_commands_queue_arn_pattern]', 'actions   = ["sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:ListQueueTags"]\n    resources = [var.node_commands_queue_arn_pattern, var.alerts_queue_arn]'), expect: 'sqs:DeleteQueue only on the node command queues' },
  { name: 'reaper may purge', edit: replace('modules/iam/main.tf', 'actions   = ["sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:ListQueueTags"]', 'actions   = ["sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:ListQueueTags", "sqs:PurgeQueue"]'), expect: 'node-queue-reaper: only' },
  { name: 'reaper may delete the DLQ', edit: replace('modules/iam/main.tf', 'sid       = "NeverTheDeadLetterQueue"\n      effect    = "Deny"', 'sid       = "NeverTheDeadLetterQueue"\n      effect    = "Allow"'), expect: 'an explicit Deny of sqs:DeleteQueue on the node-commands DLQ' },
  { name: 'two reapers at once', edit: replace('modules/functions/variables.tf', '      timeout              = 120\n      reserved_concurrency = 1', '      timeout              = 120\n      reserved_concurrency = 2'), expect: 'node-queue-reaper: reserved concurrency 1' },
  { name: 'reaper never scheduled', edit: replace('examples/complete/main.tf', 'rule          = "node_queue_reaper"', 'rule          = "approval_timeouts"'), expect: 'must be the target of the node_queue_reaper rule' },
  { name: 'respond cannot find its snapshots', edit: replace('modules/iam/main.tf', '"ec2:DescribeSecurityGroups", "ec2:DescribeSnapshots"]', '"ec2:DescribeSecurityGroups"]'), expect: 'respond: ec2:DescribeSnapshots' },
  { name: 'functions without an EKS token source', edit: replace('examples/complete/main.tf', '      BULWARK_KUBERNETES_EKS_CLUSTER_NAME = var.eks_cluster_name\n', ''), expect: 'BULWARK_KUBERNETES_EKS_CLUSTER_NAME and BULWARK_KUBERNETES_CA_CERT_DATA' },
  { name: 'sensor without the command key', edit: replace('modules/sensor/daemonset.yaml', '            - name: BULWARK_COMMAND_KEY\n              value: "$(${node_key_env})"\n', ''), expect: 'the sensor needs BULWARK_COMMAND_KEY' },
  { name: 'command key before the pod name', edit: replace('modules/sensor/daemonset.yaml', '            - name: BULWARK_POD_NAME\n              valueFrom:\n                fieldRef:\n                  fieldPath: metadata.name\n            # the key of this node\'s command queue, as the shipper\'s --node: alerts carry it\n            # (detail.node.command_key) so respond sends commands to the queue this pod may read\n            - name: BULWARK_COMMAND_KEY\n              value: "$(${node_key_env})"\n', '            - name: BULWARK_COMMAND_KEY\n              value: "$(${node_key_env})"\n            - name: BULWARK_POD_NAME\n              valueFrom:\n                fieldRef:\n                  fieldPath: metadata.name\n'), expect: 'must come before BULWARK_COMMAND_KEY' },
  { name: 'respond reads every secret', edit: replace('modules/iam/main.tf', 'actions   = ["secretsmanager:GetSecretValue"]\n      resources = var.respond_secret_arns', 'actions   = ["secretsmanager:GetSecretValue"]\n      resources = ["arn:aws:secretsmanager:*:*:secret:*"]'), expect: 'secretsmanager:GetSecretValue only, and only on var.respond_secret_arns' },
  { name: 'respond lists secrets too', edit: replace('modules/iam/main.tf', 'actions   = ["secretsmanager:GetSecretValue"]', 'actions   = ["secretsmanager:GetSecretValue", "secretsmanager:ListSecrets"]'), expect: 'secretsmanager:GetSecretValue only' },
  { name: 'respond decrypts with the secrets key directly', edit: replace('modules/iam/main.tf', '        variable = "kms:ViaService"\n        values   = ["secretsmanager.${local.region}.amazonaws.com", "ssm.${local.region}.amazonaws.com"]', '        variable = "aws:PrincipalAccount"\n        values   = [local.account_id]'), expect: 'only via Secrets Manager and SSM' },
  { name: 'secret ARNs may be wildcards', edit: replace('modules/iam/variables.tf', 'secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[^*]+$', 'secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$'), expect: 'must refuse wildcard ARNs' },
  { name: 'respond * on network policies', edit: replace('modules/sensor/responders.yaml', 'verbs: ["get", "create", "update", "delete"]', 'verbs: ["*"]'), expect: 'networkpolicies verbs must be exactly' },
  // the node-queue-reaper asks Kubernetes whether a pod-named queue's pod is gone (issue 15)
  { name: 'reaper may list pods', edit: replace('modules/sensor/responders.yaml', 'resources: ["pods"]\n    verbs: ["get"]\n', 'resources: ["pods"]\n    verbs: ["get", "list"]\n'), expect: 'Role bulwark-node-queue-reaper: exactly get on pods' },
  { name: 'reaper * on pods', edit: replace('modules/sensor/responders.yaml', 'resources: ["pods"]\n    verbs: ["get"]\n', 'resources: ["pods"]\n    verbs: ["*"]\n'), expect: 'Role bulwark-node-queue-reaper: no wildcards' },
  { name: 'reaper reads pods cluster-wide', edit: replace('modules/sensor/responders.yaml', 'kind: Role\nmetadata:\n  name: bulwark-node-queue-reaper\n  namespace: ${namespace}\n', 'kind: ClusterRole\nmetadata:\n  name: bulwark-node-queue-reaper\n'), expect: 'bulwark-node-queue-reaper must be a Role (namespaced), not a ClusterRole' },
  { name: 'reaper Role in another namespace', edit: replace('modules/sensor/responders.yaml', 'name: bulwark-node-queue-reaper\n  namespace: ${namespace}\n', 'name: bulwark-node-queue-reaper\n  namespace: kube-system\n'), expect: 'Role bulwark-node-queue-reaper must be in the sensor\'s namespace' },
  { name: 'reaper group bound to the audit ClusterRole', edit: replace('modules/sensor/responders.yaml', '    name: ${audit_group}\n', '    name: ${audit_group}\n  - apiGroup: rbac.authorization.k8s.io\n    kind: Group\n    name: ${reaper_group}\n'), expect: 'the reaper\'s group (${reaper_group}) must be bound once' },
  { name: 'reaper Role never applied', edit: replace('modules/sensor/main.tf', 'contains(["Role", "RoleBinding"], d.kind)', 'contains(["RoleBinding"], d.kind)'), expect: 'the Role and RoleBinding must be applied' },
  { name: 'reaper without an access entry', edit: replace('modules/iam/main.tf', 'var.sensor_identity == "pod_identity" ? { "node-queue-reaper" = "bulwark-node-queue-reaper" } : {},', '{},'), expect: 'the node-queue-reaper needs an EKS access entry' },
  { name: 'reaper access entry under IRSA too', edit: replace('modules/iam/main.tf', 'var.sensor_identity == "pod_identity" ? { "node-queue-reaper" = "bulwark-node-queue-reaper" } : {},', '{ "node-queue-reaper" = "bulwark-node-queue-reaper" },'), expect: 'only with Pod Identity' },
  { name: 'reaper without the sensor namespace', edit: replace('examples/complete/main.tf', '      local.deploy_sensor && var.sensor_identity == "pod_identity" ? { BULWARK_REAPER_SENSOR_NAMESPACE = local.sensor_namespace } : {},\n', ''), expect: 'the node-queue-reaper needs BULWARK_REAPER_SENSOR_NAMESPACE' },
];

function copyTree(src, dst) {
  fs.mkdirSync(dst, { recursive: true });
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.terraform')) continue;
    const s = path.join(src, e.name);
    const d = path.join(dst, e.name);
    if (e.isDirectory()) copyTree(s, d);
    else fs.copyFileSync(s, d);
  }
}

function run(args) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (status) => resolve({ status, out }));
  });
}

async function runCase(c) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-infra-selftest-'));
  try {
    copyTree(INFRA, path.join(tmp, 'infra'));
    copyTree(path.join(REPO, PATTERNS_REL), path.join(tmp, PATTERNS_REL));
    copyTree(path.join(REPO, RESPONSE_PATTERNS_REL), path.join(tmp, RESPONSE_PATTERNS_REL));
    if (c.edit) {
      const f = path.join(tmp, 'infra', c.edit.file);
      const text = fs.readFileSync(f, 'utf8');
      if (!text.includes(c.edit.from)) return `FAIL self-test "${c.name}": the text to break is no longer in infra/${c.edit.file}; update the case`;
      fs.writeFileSync(f, text.replace(c.edit.from, c.edit.to));
    }
    if (c.add) fs.writeFileSync(path.join(tmp, 'infra', c.add.file), c.add.text);
    const r = await run([path.join(here, 'check.mjs'), '--infra', path.join(tmp, 'infra')]);
    if (c.baseline) {
      return r.status === 0 ? `ok   self-test "${c.name}": the unbroken copy passes` : `FAIL self-test "${c.name}": the unbroken copy fails (a case would pass for the wrong reason):\n${r.out.trim()}`;
    }
    if (r.status === 1 && r.out.includes(c.expect)) return `ok   self-test "${c.name}": check fails with "${c.expect}"`;
    return `FAIL self-test "${c.name}": expected exit 1 and "${c.expect}", got exit ${r.status}:\n${r.out.trim().split('\n').map((l) => `     ${l}`).join('\n')}`;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const started = Date.now();
const results = new Array(CASES.length);
let next = 0;
const workers = Array.from({ length: Math.max(1, Math.min(4, os.cpus().length)) }, async () => {
  while (next < CASES.length) {
    const i = next++;
    results[i] = await runCase(CASES[i]);
  }
});
await Promise.all(workers);
const failed = results.filter((r) => r.startsWith('FAIL')).length;
for (const r of results) console.log(r);
console.log(`infra self-test: the unbroken copy and ${CASES.length - 1} broken inputs, ${CASES.length - failed} as expected, ${failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
process.exit(failed ? 1 : 0);
