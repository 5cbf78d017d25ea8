# Bulwark on AWS, everything wired: queues, bus and rules, functions, archive, IAM, notification,
# and (with eks_cluster_name and sensor_image) the sensor DaemonSet. Defaults are the safe ones:
# encryption everywhere, TLS only, DLQs on every queue and target, Object Lock in COMPLIANCE mode,
# no EC2 actions unless a fleet tag scopes them, no notification endpoint unless configured.
# docs/deploy.md walks through it.

provider "aws" {
  region = var.region

  default_tags {
    tags = merge({ "app.kubernetes.io/part-of" = "bulwark", "bulwark:deployment" = var.name_prefix }, var.tags)
  }
}

data "aws_eks_cluster" "this" {
  count = var.eks_cluster_name == null ? 0 : 1

  name = var.eks_cluster_name
}

data "aws_eks_cluster_auth" "this" {
  count = var.eks_cluster_name == null ? 0 : 1

  name = var.eks_cluster_name
}

provider "kubernetes" {
  host                   = try(data.aws_eks_cluster.this[0].endpoint, null)
  cluster_ca_certificate = try(base64decode(data.aws_eks_cluster.this[0].certificate_authority[0].data), null)
  token                  = try(data.aws_eks_cluster_auth.this[0].token, null)
}

locals {
  deploy_sensor = var.eks_cluster_name != null && var.sensor_image != null
  # the sensor DaemonSet's namespace: its pods, its Pod Identity association, the reaper's Role
  sensor_namespace = "bulwark"

  # every function: the bus, the shared Kubernetes client settings (bulwark.kubernetes.*; they were
  # audit-prefixed before this wave; no function reads the old names any more)
  function_environment = merge(
    {
      BULWARK_BUS_NAME           = module.bus.bus_name
      BULWARK_KUBERNETES_ENABLED = tostring(var.eks_cluster_name != null && var.functions_kubernetes_enabled)
    },
    # EKS auth (docs/triage.md "EKS auth"): each request carries an EKS token the function mints
    # from its role (a presigned sts:GetCallerIdentity, no IAM permission needed), checked against
    # the cluster's CA as EKS gives it
    var.eks_cluster_name == null ? {} : {
      BULWARK_KUBERNETES_API_URL          = one(data.aws_eks_cluster.this[*].endpoint)
      BULWARK_KUBERNETES_EKS_CLUSTER_NAME = var.eks_cluster_name
      BULWARK_KUBERNETES_CA_CERT_DATA     = one(data.aws_eks_cluster.this[*].certificate_authority[0].data)
    },
  )

  # one function each (functions/src/main/java/io/bulwark/functions/*/…Config.java)
  per_function_environment = {
    triage = merge(
      {
        BULWARK_TRIAGE_BUCKET  = module.archive.bucket_name
        BULWARK_TRIAGE_DLQ_URL = module.queues.alerts_dlq_url
      },
      var.eks_cluster_name == null ? {} : { BULWARK_TRIAGE_CLUSTER = var.eks_cluster_name },
    )
    respond = merge(
      {
        BULWARK_RESPOND_BUCKET             = module.archive.bucket_name
        BULWARK_RESPOND_ARCHIVE_BUCKET     = module.archive.bucket_name
        BULWARK_RESPOND_COMMANDS_QUEUE_URL = module.queues.node_commands_queue_url_template
        BULWARK_RESPOND_INCIDENT_TOPIC_ARN = module.notify.topic_arn
        BULWARK_RESPOND_PRINCIPAL          = "respond@${var.name_prefix}-respond"
        BULWARK_RESPOND_KUBERNETES_ENABLED = tostring(var.eks_cluster_name != null && var.functions_kubernetes_enabled)
        BULWARK_RESPOND_DRY_RUN            = tostring(var.respond_dry_run)
      },
      # notify.slack / notify.pagerduty take env:NAME references: the values come from Secrets Manager here
      { for name, _ in var.respond_secret_environment : name => data.aws_secretsmanager_secret_version.respond[name].secret_string },
    )
    snapshot = merge(
      { BULWARK_SNAPSHOT_BUCKET = module.archive.bucket_name },
      var.manifest_signing_key_arn == null ? {} : { BULWARK_SNAPSHOT_SIGNING_KMS_KEY_ID = var.manifest_signing_key_arn },
    )
    audit-aggregation = {
      BULWARK_AUDIT_BUCKET = module.archive.bucket_name
    }
    # the queues of nodes that are gone (docs/deploy.md): <prefix>-node-* but never the DLQ
    # with Pod Identity a queue is named by the sensor pod: the reaper asks Kubernetes whether that pod
    # still exists (get on pods in the sensor's namespace: the sensor module's Role for its access entry)
    node-queue-reaper = merge(
      {
        BULWARK_REAPER_QUEUE_PREFIX  = module.queues.node_commands_queue_name_prefix
        BULWARK_REAPER_KEEP_QUEUES   = module.queues.node_commands_dlq_name
        BULWARK_REAPER_MIN_AGE       = var.node_queue_reaper_min_age
        BULWARK_REAPER_MAX_DELETIONS = tostring(var.node_queue_reaper_max_deletions)
        BULWARK_REAPER_DRY_RUN       = tostring(var.node_queue_reaper_dry_run)
      },
      local.deploy_sensor && var.sensor_identity == "pod_identity" ? { BULWARK_REAPER_SENSOR_NAMESPACE = local.sensor_namespace } : {},
    )
  }
}

# Secrets a playbook references as env:NAME (a Slack webhook URL, a PagerDuty routing key): read
# by Terraform, set in the respond function's environment (encrypted at rest by Lambda). They are
# also in the Terraform state: keep the state encrypted and access-controlled.
data "aws_secretsmanager_secret_version" "respond" {
  for_each = var.respond_secret_environment

  secret_id = each.value
}

module "archive" {
  source = "../../modules/archive"

  name_prefix                = var.name_prefix
  object_lock_mode           = var.archive_object_lock_mode
  object_lock_retention_days = var.archive_retention_days
}

module "queues" {
  source = "../../modules/queues"

  name_prefix               = var.name_prefix
  kms_key_arn               = var.queue_kms_key_arn
  command_nodes             = var.command_nodes
  command_node_instance_ids = var.command_node_instance_ids

  # GuardDuty Runtime Monitoring findings (default bus) may be sent to the alerts queue
  alerts_event_rule_arns = compact([module.bus.guardduty_rule_arn])
}

module "bus" {
  source = "../../modules/bus"

  name_prefix = var.name_prefix

  # GuardDuty Runtime Monitoring findings -> the alerts queue -> triage (always when this
  # configuration enables Runtime Monitoring: findings nobody reads are no detection)
  guardduty_findings = var.guardduty_findings || var.guardduty_runtime_monitoring
  alerts_queue_arn   = module.queues.alerts_queue_arn

  lambda_targets = {
    audit-aggregation = {
      rule          = "escape_surface_report"
      function_name = module.functions.function_names["audit-aggregation"]
      qualifier     = module.functions.alias_name
      arn           = module.functions.alias_arns["audit-aggregation"]
    }
    # the snapshot function on every incident triage publishes (once per incident); the node has
    # captured its own evidence at detection, before any containment
    snapshot = {
      rule          = "incident"
      function_name = module.functions.function_names["snapshot"]
      qualifier     = module.functions.alias_name
      arn           = module.functions.alias_arns["snapshot"]
    }
    # respond: incidents from triage, the default playbook's match (response/…/patterns/containment.json,
    # the same file the playbook evaluates) and approval decisions (source bulwark.approval)
    respond-incident = {
      rule          = "incident"
      function_name = module.functions.function_names["respond"]
      qualifier     = module.functions.alias_name
      arn           = module.functions.alias_arns["respond"]
    }
    respond-containment = {
      rule          = "containment"
      function_name = module.functions.function_names["respond"]
      qualifier     = module.functions.alias_name
      arn           = module.functions.alias_arns["respond"]
    }
    respond-approval = {
      rule          = "approval"
      function_name = module.functions.function_names["respond"]
      qualifier     = module.functions.alias_name
      arn           = module.functions.alias_arns["respond"]
    }
    # approvals past their deadline are decided by their default (every minute)
    respond-approval-timeouts = {
      rule          = "approval_timeouts"
      function_name = module.functions.function_names["respond"]
      qualifier     = module.functions.alias_name
      arn           = module.functions.alias_arns["respond"]
    }
    # the command queues of nodes that are gone, every hour
    node-queue-reaper = {
      rule          = "node_queue_reaper"
      function_name = module.functions.function_names["node-queue-reaper"]
      qualifier     = module.functions.alias_name
      arn           = module.functions.alias_arns["node-queue-reaper"]
    }
  }
}

module "iam" {
  source = "../../modules/iam"

  name_prefix                     = var.name_prefix
  alerts_queue_arn                = module.queues.alerts_queue_arn
  node_commands_queue_arn_pattern = module.queues.node_commands_queue_arn_pattern
  node_commands_dlq_arn           = module.queues.node_commands_dlq_arn
  falcosidekick                   = var.falcosidekick
  alerts_dlq_arn                  = module.queues.alerts_dlq_arn
  incidents_topic_arn             = module.notify.topic_arn
  incidents_topic_kms_key_arn     = module.notify.kms_key_arn
  node_instance_role_arns         = var.node_instance_role_arns
  node_instance_profile_arns      = var.node_instance_profile_arns
  respond_secret_arns             = var.respond_secret_arns
  respond_secret_parameter_arns   = var.respond_secret_parameter_arns
  respond_secret_kms_key_arns     = var.respond_secret_kms_key_arns
  sensor_signing_kms_key_arn      = var.manifest_signing_key_arn
  functions_dlq_arn               = module.queues.functions_dlq_arn
  queue_kms_key_arn               = var.queue_kms_key_arn
  bus_arn                         = module.bus.bus_arn
  archive_bucket_arn              = module.archive.bucket_arn
  archive_kms_key_arn             = module.archive.kms_key_arn
  eks_cluster_name                = var.eks_cluster_name
  sensor_identity                 = var.sensor_identity
  sensor_namespace                = local.sensor_namespace
  eks_oidc_provider_arn           = var.eks_oidc_provider_arn
  create_ec2_sensor_role          = var.create_ec2_sensor_role
  ec2_response_tag                = var.ec2_response_tag
  manifest_signing_key_arn        = var.manifest_signing_key_arn
  quarantine_security_group_ids   = var.quarantine_security_group_ids
}

# GuardDuty Runtime Monitoring (optional; billed per monitored vCPU): GuardDuty's agent on the
# nodes as an EKS add-on, its findings through the guardduty_finding rule into triage
module "guardduty" {
  source = "../../modules/guardduty"
  count  = var.guardduty_runtime_monitoring ? 1 : 0

  create_detector      = var.guardduty_detector_id == null
  detector_id          = var.guardduty_detector_id
  eks_addon_management = var.guardduty_eks_addon_management
}

module "functions" {
  source = "../../modules/functions"

  name_prefix           = var.name_prefix
  package_file          = var.package_file
  role_arns             = module.iam.function_role_arns
  dead_letter_queue_arn = module.queues.functions_dlq_arn
  alerts_queue_arn      = module.queues.alerts_queue_arn
  environment           = local.function_environment
  function_environment  = local.per_function_environment
}

module "notify" {
  source = "../../modules/notify"

  name_prefix                     = var.name_prefix
  bus_name                        = module.bus.bus_name
  rules                           = module.bus.rules
  dead_letter_queue_arn           = module.bus.targets_dlq_arn
  email_addresses                 = var.alert_emails
  slack_token_secret_id           = var.slack_token_secret_id
  slack_channel                   = var.slack_channel
  pagerduty_routing_key_secret_id = var.pagerduty_routing_key_secret_id
}

module "sensor" {
  source = "../../modules/sensor"
  count  = local.deploy_sensor ? 1 : 0

  image              = var.sensor_image
  service_account    = "bulwark-sensor"
  namespace          = local.sensor_namespace
  irsa_role_arn      = var.sensor_identity == "irsa" ? module.iam.sensor_role_arn : null
  node_key_env       = var.sensor_identity == "irsa" ? "BULWARK_NODE_NAME" : "BULWARK_POD_NAME"
  aws_region         = var.region
  cluster_name       = var.eks_cluster_name
  alerts_queue_url   = module.queues.alerts_queue_url
  bus_name           = module.bus.bus_name
  archive_bucket     = module.archive.bucket_name
  signing_kms_key_id = var.manifest_signing_key_arn
  # the shipper expands {node} to its host name and creates that queue at start (sqs:CreateQueue on the prefix)
  command_queue_url = coalesce(var.sensor_command_queue_url, module.queues.node_commands_queue_url_template)
  kubernetes_groups = module.iam.kubernetes_groups

  # the pod identity association (or the IRSA trust) must exist before the first pod asks for credentials
  depends_on = [module.iam]
}

# A message in any dead-letter queue is an alert, event or invocation that did not get through:
# say so on the notification topic.
resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  for_each = {
    alerts        = module.queues.alerts_dlq_arn
    node-commands = module.queues.node_commands_dlq_arn
    functions     = module.queues.functions_dlq_arn
    event-targets = module.bus.targets_dlq_arn
  }

  alarm_name          = "${var.name_prefix}-dead-letters-${each.key}"
  alarm_description   = "Messages in the ${each.key} dead-letter queue: something Bulwark sent did not get through"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = element(split(":", each.value), 5) }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [module.notify.topic_arn]
  ok_actions          = [module.notify.topic_arn]
}
