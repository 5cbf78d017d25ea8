# Roles: one per function, each scoped to the ARNs that function uses, and the sensor's role,
# which can only deliver (send alerts, put events, put objects under its own node's prefix) and
# take its commands: it cannot read the archive or delete anything in it.
#
# Every policy is an aws_iam_policy_document with literal action lists, so infra/test/check.mjs
# can prove there is no wildcard action and no "*" resource except where AWS requires it
# (ec2:Describe* calls, which have no resource-level permissions).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.id
  account_id = data.aws_caller_identity.current.account_id

  functions = toset(["triage", "respond", "snapshot", "audit-aggregation", "node-queue-reaper"])

  log_group_arns = {
    for f in local.functions : f => "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${var.name_prefix}-${f}"
  }

  cluster_arn = var.eks_cluster_name == null ? null : "arn:${local.partition}:eks:${local.region}:${local.account_id}:cluster/${var.eks_cluster_name}"

  # archive objects by prefix
  alerts_objects    = "${var.archive_bucket_arn}/${var.archive_prefixes.alerts}*"
  incidents_objects = "${var.archive_bucket_arn}/${var.archive_prefixes.incidents}*"
  audit_objects     = "${var.archive_bucket_arn}/${var.archive_prefixes.audit}*"
  keys_objects      = "${var.archive_bucket_arn}/keys/*"
  index_objects     = "${var.archive_bucket_arn}/index/*"
  # the incident store (triage, docs/triage.md) and the response state (respond, docs/playbooks.md)
  triage_state_objects  = "${var.archive_bucket_arn}/${var.triage_state_prefix}*"
  respond_state_objects = "${var.archive_bucket_arn}/${var.respond_state_prefix}*"

  # The sensor's own prefix. With Pod Identity EKS tags each session with the pod's name (one
  # DaemonSet pod per node, a name the pod cannot choose), so a pod can write only under
  # nodes/<its pod name>/, the name its shipper uses (--node). With IRSA and on EC2 no tag names the
  # node, so the whole nodes/ prefix is allowed: still put-only, no reads, no deletes.
  sensor_k8s_prefix = coalesce(var.sensor_object_prefix, var.sensor_identity == "pod_identity" ? "${var.archive_prefixes.nodes}$${aws:PrincipalTag/kubernetes-pod-name}/" : var.archive_prefixes.nodes)
  sensor_ec2_prefix = coalesce(var.sensor_object_prefix, var.archive_prefixes.nodes)

  # The node command queues, per node (docs/deploy.md, "Who can read a node's queue"). With Pod
  # Identity the session tag kubernetes-pod-name is set by EKS from the pod's token, one DaemonSet pod
  # per node: the role reaches <prefix>-node-<its pod name> and no other queue, the queue its shipper
  # (--node = the pod name) creates and polls. IRSA sessions carry no such tag (the session name is
  # the pod's own choice): the whole <prefix>-node-* pattern, the residual risk docs/deploy.md names.
  node_commands_queue_arn_prefix = trimsuffix(var.node_commands_queue_arn_pattern, "*")
  sensor_k8s_command_queue       = var.sensor_identity == "pod_identity" ? "${local.node_commands_queue_arn_prefix}$${aws:PrincipalTag/kubernetes-pod-name}" : var.node_commands_queue_arn_pattern
  sensor_prefixes = merge(
    { k8s = local.sensor_k8s_prefix },
    var.create_ec2_sensor_role ? { ec2 = local.sensor_ec2_prefix } : {},
  )

  oidc_host = var.eks_oidc_provider_arn == null ? "" : replace(var.eks_oidc_provider_arn, "/^.*:oidc-provider\\//", "")

  ec2_instances   = "arn:${local.partition}:ec2:${local.region}:${local.account_id}:instance/*"
  ec2_volumes     = "arn:${local.partition}:ec2:${local.region}:${local.account_id}:volume/*"
  ec2_snapshots   = "arn:${local.partition}:ec2:${local.region}::snapshot/*"
  ec2_enis        = "arn:${local.partition}:ec2:${local.region}:${local.account_id}:network-interface/*"
  ec2_sgs         = "arn:${local.partition}:ec2:${local.region}:${local.account_id}:security-group/*"
  ec2_vpcs        = "arn:${local.partition}:ec2:${local.region}:${local.account_id}:vpc/*"
  quarantine_sgs  = [for id in var.quarantine_security_group_ids : "arn:${local.partition}:ec2:${local.region}:${local.account_id}:security-group/${id}"]
  ec2_tag_enabled = var.ec2_response_tag != null
}

# --- functions: trust and the part every function shares ------------------------------------

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    sid     = "LambdaOfThisAccount"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = local.functions

  name                 = "${var.name_prefix}-${each.key}"
  description          = "Bulwark ${each.key} function"
  assume_role_policy   = data.aws_iam_policy_document.lambda_trust.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "function_base" {
  for_each = local.functions

  statement {
    sid       = "OwnLogGroup"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arns[each.key]}:*"]
  }

  statement {
    sid       = "DeadLetterQueue"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [var.functions_dlq_arn]
  }

  statement {
    sid       = "PutEventsOnTheBus"
    effect    = "Allow"
    actions   = ["events:PutEvents"]
    resources = [var.bus_arn]
  }

  statement {
    sid       = "ArchiveKey"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.archive_kms_key_arn]
  }

  dynamic "statement" {
    for_each = var.queue_kms_key_arn == null ? [] : [var.queue_kms_key_arn]

    content {
      sid       = "QueueKey"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = local.cluster_arn == null ? [] : [local.cluster_arn]

    content {
      sid       = "FindTheCluster"
      effect    = "Allow"
      actions   = ["eks:DescribeCluster"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "function_base" {
  for_each = local.functions

  name   = "base"
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.function_base[each.key].json
}

# --- triage: consumes the alerts queue, keeps the incident store, poison to the DLQ ------------
# docs/triage.md: GetObject/PutObject on the store (state/), SendMessage on the alerts queue's DLQ
# (poison messages with their reason), PutEvents on the bus (in function_base); the SQS event source
# mapping polls with the function's role (receive, delete, change visibility, attributes).

data "aws_iam_policy_document" "triage" {
  statement {
    sid    = "ConsumeAlerts"
    effect = "Allow"
    actions = [
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:ReceiveMessage",
    ]
    resources = [var.alerts_queue_arn]
  }

  statement {
    sid       = "PoisonToTheAlertsDlq"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [var.alerts_dlq_arn]
  }

  statement {
    sid       = "IncidentStore"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = [local.triage_state_objects]
  }

  statement {
    sid       = "WriteAlertAndIncidentLines"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = [local.alerts_objects, local.incidents_objects]
  }
}

resource "aws_iam_role_policy" "triage" {
  name   = "triage"
  role   = aws_iam_role.function["triage"].id
  policy = data.aws_iam_policy_document.triage.json
}

# --- respond: the playbooks' actions (docs/playbooks.md, functions/.../respond/act) ------------
# node.*: SendMessage on the nodes' command queues; state: respond/ of the archive bucket (claims are
# deleted when released, approvals and audit records listed); k8s.delete-pod checks the incident's
# evidence manifest (HeadObject = GetObject on incidents/); notify.sns on the incidents topic;
# ec2.*: tagged instances only; iam.revoke-sessions: the node roles named in node_instance_role_arns.
# Slack and PagerDuty secrets reach the function as environment variables (env:NAME references,
# Secrets.java), read from Secrets Manager by Terraform: the role has no secretsmanager access.

data "aws_iam_policy_document" "respond" {
  statement {
    sid       = "CommandTheNodes"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [var.node_commands_queue_arn_pattern]
  }

  statement {
    sid       = "ResponseState"
    effect    = "Allow"
    actions   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    resources = [local.respond_state_objects]
  }

  statement {
    sid       = "ListResponseState"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [var.archive_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.respond_state_prefix}*"]
    }
  }

  statement {
    sid       = "EvidenceBeforeDeletePod"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = [local.incidents_objects]
  }

  dynamic "statement" {
    for_each = var.incidents_topic_arn == null ? [] : [var.incidents_topic_arn]

    content {
      sid       = "NotifyIncidentsTopic"
      effect    = "Allow"
      actions   = ["sns:Publish"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = length(var.respond_secret_arns) == 0 ? [] : [1]

    content {
      # notify.slack / notify.pagerduty with arn:aws:secretsmanager:… references, read at run time
      sid       = "ReadPlaybookSecrets"
      effect    = "Allow"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = var.respond_secret_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.respond_secret_parameter_arns) == 0 ? [] : [1]

    content {
      # ssm:/NAME references (SecureString: decrypted with the key below)
      sid       = "ReadPlaybookParameters"
      effect    = "Allow"
      actions   = ["ssm:GetParameter"]
      resources = var.respond_secret_parameter_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.respond_secret_kms_key_arns) == 0 ? [] : [1]

    content {
      # customer-managed keys of those secrets and parameters, only through the two services
      sid       = "DecryptPlaybookSecrets"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = var.respond_secret_kms_key_arns

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${local.region}.amazonaws.com", "ssm.${local.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.incidents_topic_kms_key_arn == null ? [] : [var.incidents_topic_kms_key_arn]

    content {
      sid       = "IncidentsTopicKey"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = local.ec2_tag_enabled ? [var.ec2_response_tag] : []

    content {
      # ec2.termination-protection, ec2.keep-volumes, ec2.isolate (the instance side), ec2.snapshot
      sid       = "ActOnTaggedInstances"
      effect    = "Allow"
      actions   = ["ec2:CreateSnapshots", "ec2:ModifyInstanceAttribute"]
      resources = [local.ec2_instances]

      condition {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${statement.value.key}"
        values   = [statement.value.value]
      }
    }
  }

  dynamic "statement" {
    for_each = local.ec2_tag_enabled ? [var.ec2_response_tag] : []

    content {
      sid       = "SnapshotTaggedVolumes"
      effect    = "Allow"
      actions   = ["ec2:CreateSnapshots"]
      resources = [local.ec2_volumes]

      condition {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${statement.value.key}"
        values   = [statement.value.value]
      }
    }
  }

  dynamic "statement" {
    for_each = local.ec2_tag_enabled ? [1] : []

    content {
      sid       = "CreateTaggedSnapshots"
      effect    = "Allow"
      actions   = ["ec2:CreateSnapshots"]
      resources = [local.ec2_snapshots]
    }
  }

  dynamic "statement" {
    for_each = local.ec2_tag_enabled ? [1] : []

    content {
      # tags only as part of the create call (snapshots, the isolation groups)
      sid       = "TagOnCreate"
      effect    = "Allow"
      actions   = ["ec2:CreateTags"]
      resources = [local.ec2_snapshots, local.ec2_sgs]

      condition {
        test     = "StringEquals"
        variable = "ec2:CreateAction"
        values   = ["CreateSnapshots", "CreateSecurityGroup"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.ec2_tag_enabled ? [1] : []

    content {
      # ec2.isolate: the two-step swap moves each ENI of the instance to the staging, then the
      # isolation group (authorised on the ENI and on the groups it is given)
      sid       = "SwapInterfaceGroups"
      effect    = "Allow"
      actions   = ["ec2:ModifyNetworkInterfaceAttribute"]
      resources = concat([local.ec2_enis], length(local.quarantine_sgs) > 0 ? local.quarantine_sgs : [local.ec2_sgs])
    }
  }

  dynamic "statement" {
    for_each = local.ec2_tag_enabled && length(local.quarantine_sgs) == 0 ? [1] : []

    content {
      # no quarantine_security_group_ids: ec2.isolate creates its groups per VPC, tagged
      # bulwark:purpose at creation, and changes rules only on groups carrying that tag
      sid       = "CreateIsolationGroups"
      effect    = "Allow"
      actions   = ["ec2:CreateSecurityGroup"]
      resources = [local.ec2_vpcs, local.ec2_sgs]
    }
  }

  dynamic "statement" {
    for_each = local.ec2_tag_enabled && length(local.quarantine_sgs) == 0 ? [1] : []

    content {
      sid    = "RulesOfIsolationGroups"
      effect = "Allow"
      actions = [
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupEgress",
      ]
      resources = [local.ec2_sgs]

      condition {
        test     = "StringLike"
        variable = "aws:ResourceTag/bulwark:purpose"
        values   = ["isolation*"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.ec2_tag_enabled ? [1] : []

    content {
      # ec2:Describe* has no resource-level permissions: AWS requires "*". DescribeSnapshots:
      # ec2.snapshot finds this incident's snapshots of the instance first (once per incident)
      sid       = "Describe"
      effect    = "Allow"
      actions   = ["ec2:DescribeInstanceAttribute", "ec2:DescribeInstances", "ec2:DescribeSecurityGroups", "ec2:DescribeSnapshots"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = length(var.node_instance_role_arns) == 0 ? [] : [1]

    content {
      # iam.revoke-sessions: an inline deny on aws:TokenIssueTime, on the node role only
      sid       = "RevokeNodeRoleSessions"
      effect    = "Allow"
      actions   = ["iam:DeleteRolePolicy", "iam:PutRolePolicy"]
      resources = var.node_instance_role_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.node_instance_profile_arns) == 0 ? [] : [1]

    content {
      sid       = "FindTheNodeRole"
      effect    = "Allow"
      actions   = ["iam:GetInstanceProfile"]
      resources = var.node_instance_profile_arns
    }
  }
}

resource "aws_iam_role_policy" "respond" {
  name   = "respond"
  role   = aws_iam_role.function["respond"].id
  policy = data.aws_iam_policy_document.respond.json
}

# --- snapshot: EBS snapshots of tagged instances, evidence objects, signed manifest parts ------
# What io.bulwark.functions.snapshot calls (docs/archive.md, "Snapshot function"): DescribeSnapshots
# (by the incident's tag: a replay requests nothing), DescribeInstances, CreateSnapshots (one call for
# every volume of the instance, tagged on creation); objects and parts under incidents/, the signing
# key's public half under keys/; reads of the incident's parts (chain, replay); KMS Sign.

data "aws_iam_policy_document" "snapshot" {
  statement {
    sid       = "EvidenceRecords"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = [local.incidents_objects, local.keys_objects]
  }

  statement {
    sid       = "ListIncidentParts"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [var.archive_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.archive_prefixes.incidents}*"]
    }
  }

  dynamic "statement" {
    for_each = var.manifest_signing_key_arn == null ? [] : [var.manifest_signing_key_arn]

    content {
      sid       = "SignManifestParts"
      effect    = "Allow"
      actions   = ["kms:Sign", "kms:GetPublicKey"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = local.ec2_tag_enabled ? [var.ec2_response_tag] : []

    content {
      # CreateSnapshots is authorised on the instance and on each of its volumes
      sid       = "SnapshotTaggedInstancesAndVolumes"
      effect    = "Allow"
      actions   = ["ec2:CreateSnapshots"]
      resources = [local.ec2_instances, local.ec2_volumes]

      condition {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${statement.value.key}"
        values   = [statement.value.value]
      }
    }
  }

  dynamic "statement" {
    for_each = local.ec2_tag_enabled ? [1] : []

    content {
      sid       = "CreateSnapshots"
      effect    = "Allow"
      actions   = ["ec2:CreateSnapshots"]
      resources = [local.ec2_snapshots]
    }
  }

  dynamic "statement" {
    for_each = local.ec2_tag_enabled ? [1] : []

    content {
      sid       = "TagSnapshotsAtCreation"
      effect    = "Allow"
      actions   = ["ec2:CreateTags"]
      resources = [local.ec2_snapshots]

      condition {
        test     = "StringEquals"
        variable = "ec2:CreateAction"
        values   = ["CreateSnapshots"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.ec2_tag_enabled ? [1] : []

    content {
      # ec2:Describe* has no resource-level permissions: AWS requires "*"
      sid       = "DescribeInstancesAndSnapshots"
      effect    = "Allow"
      actions   = ["ec2:DescribeInstances", "ec2:DescribeSnapshots"]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "snapshot" {
  name   = "snapshot"
  role   = aws_iam_role.function["snapshot"].id
  policy = data.aws_iam_policy_document.snapshot.json
}

# --- audit-aggregation: its audit/ prefix (docs/audit-aggregation.md) -------------------------

data "aws_iam_policy_document" "audit_aggregation" {
  statement {
    sid       = "AuditObjects"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = [local.audit_objects]
  }
}

resource "aws_iam_role_policy" "audit_aggregation" {
  name   = "audit-aggregation"
  role   = aws_iam_role.function["audit-aggregation"].id
  policy = data.aws_iam_policy_document.audit_aggregation.json
}

# --- the sensor --------------------------------------------------------------------------------

data "aws_iam_policy_document" "sensor_trust" {
  dynamic "statement" {
    for_each = var.sensor_identity == "pod_identity" ? [1] : []

    content {
      sid     = "EksPodIdentity"
      effect  = "Allow"
      actions = ["sts:AssumeRole", "sts:TagSession"]

      principals {
        type        = "Service"
        identifiers = ["pods.eks.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account_id]
      }
    }
  }

  dynamic "statement" {
    for_each = var.sensor_identity == "irsa" ? [1] : []

    content {
      sid     = "IrsaServiceAccount"
      effect  = "Allow"
      actions = ["sts:AssumeRoleWithWebIdentity"]

      principals {
        type        = "Federated"
        identifiers = [var.eks_oidc_provider_arn]
      }

      condition {
        test     = "StringEquals"
        variable = "${local.oidc_host}:sub"
        values   = ["system:serviceaccount:${var.sensor_namespace}:${var.sensor_service_account}"]
      }

      condition {
        test     = "StringEquals"
        variable = "${local.oidc_host}:aud"
        values   = ["sts.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role" "sensor" {
  name                 = "${var.name_prefix}-sensor"
  description          = "Bulwark sensor DaemonSet: deliver alerts and evidence, receive commands"
  assume_role_policy   = data.aws_iam_policy_document.sensor_trust.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = var.sensor_identity != "irsa" || var.eks_oidc_provider_arn != null
      error_message = "sensor_identity = irsa needs eks_oidc_provider_arn."
    }
  }
}

data "aws_iam_policy_document" "sensor" {
  for_each = local.sensor_prefixes

  statement {
    sid       = "SendAlerts"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [var.alerts_queue_arn]
  }

  statement {
    sid       = "PutEventsOnTheBus"
    effect    = "Allow"
    actions   = ["events:PutEvents"]
    resources = [var.bus_arn]
  }

  # docs/archive.md: evidence under incidents/yyyy/mm/dd/<incident>/, the incident index, the node's
  # public signing key under keys/, its own objects under nodes/<node>/. Put only: with
  # If-None-Match:* and Object Lock a put cannot replace what is there.
  statement {
    sid       = "PutObjectsUnderOwnNodePrefix"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${var.archive_bucket_arn}/${each.value}*", local.incidents_objects, local.index_objects, local.keys_objects]
  }

  # kms:Decrypt because S3 needs it to complete a multipart upload under SSE-KMS (large evidence
  # streams); without s3:GetObject it reads nothing.
  statement {
    sid       = "EncryptForTheArchive"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.archive_kms_key_arn]
  }

  dynamic "statement" {
    for_each = each.key == "k8s" ? [local.sensor_k8s_command_queue] : []

    content {
      # CreateQueue: ship --command-queue-url with {node} creates this node's own queue at start (idempotent)
      sid    = "TakeOwnNodeCommands"
      effect = "Allow"
      actions = [
        "sqs:ChangeMessageVisibility",
        "sqs:CreateQueue",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ReceiveMessage",
      ]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = each.key == "ec2" ? [1] : []

    content {
      # An EC2 host reads only the queue tagged with its own instance: requests signed with
      # instance-profile credentials carry ec2:SourceInstanceARN, set by EC2, not by the host. The
      # queues are Terraform's (command_nodes, tagged from command_node_instance_ids); the host
      # cannot create, tag or untag one.
      sid    = "TakeOwnInstanceCommands"
      effect = "Allow"
      actions = [
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ReceiveMessage",
      ]
      resources = [var.node_commands_queue_arn_pattern]

      condition {
        test     = "StringEquals"
        variable = "aws:ResourceTag/bulwark:instance-arn"
        values   = ["$${ec2:SourceInstanceARN}"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.sensor_signing_kms_key_arn == null ? [] : [var.sensor_signing_kms_key_arn]

    content {
      # ship --evidence --kms-key-id: manifests signed by KMS (the node holds no private key)
      sid       = "SignEvidenceManifests"
      effect    = "Allow"
      actions   = ["kms:GetPublicKey", "kms:Sign"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.queue_kms_key_arn == null ? [] : [var.queue_kms_key_arn]

    content {
      sid       = "QueueKey"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "sensor" {
  name   = "sensor"
  role   = aws_iam_role.sensor.id
  policy = data.aws_iam_policy_document.sensor["k8s"].json
}

resource "aws_eks_pod_identity_association" "sensor" {
  count = var.sensor_identity == "pod_identity" && var.eks_cluster_name != null ? 1 : 0

  cluster_name    = var.eks_cluster_name
  namespace       = var.sensor_namespace
  service_account = var.sensor_service_account
  role_arn        = aws_iam_role.sensor.arn
  tags            = var.tags
}

# --- the sensor on plain EC2 hosts ---------------------------------------------------------------

data "aws_iam_policy_document" "ec2_trust" {
  statement {
    sid     = "Ec2Instances"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "sensor_ec2" {
  count = var.create_ec2_sensor_role ? 1 : 0

  name                 = "${var.name_prefix}-sensor-ec2"
  description          = "Bulwark sensor on EC2 hosts (systemd unit)"
  assume_role_policy   = data.aws_iam_policy_document.ec2_trust.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "sensor_ec2" {
  count = var.create_ec2_sensor_role ? 1 : 0

  name   = "sensor"
  role   = aws_iam_role.sensor_ec2[0].id
  policy = data.aws_iam_policy_document.sensor["ec2"].json
}

resource "aws_iam_instance_profile" "sensor_ec2" {
  count = var.create_ec2_sensor_role ? 1 : 0

  name = "${var.name_prefix}-sensor-ec2"
  role = aws_iam_role.sensor_ec2[0].name
  tags = var.tags
}

# --- Kubernetes access of the functions (RBAC groups bound in the sensor module) --------------

resource "aws_eks_access_entry" "function" {
  for_each = var.eks_cluster_name == null ? {} : merge(
    {
      respond             = "bulwark-respond"
      snapshot            = "bulwark-snapshot"
      "audit-aggregation" = "bulwark-audit"
    },
    # get on pods in the sensor's namespace only (a Role there): is a pod-named queue's pod gone? Only
    # Pod Identity names queues by pod; under IRSA the reaper never asks, so it gets no access entry
    var.sensor_identity == "pod_identity" ? { "node-queue-reaper" = "bulwark-node-queue-reaper" } : {},
  )

  cluster_name      = var.eks_cluster_name
  principal_arn     = aws_iam_role.function[each.key].arn
  kubernetes_groups = [each.value]
  type              = "STANDARD"
  tags              = var.tags
}

# --- node-queue-reaper: deletes the command queues of nodes that are gone ----------------------
# What io.bulwark.functions.reaper calls (docs/deploy.md, "Queues of nodes that are gone"): ListQueues
# by the <prefix>-node- prefix, each queue's tags and attributes (message counts, creation time),
# DescribeInstances for the instance a queue is bound to, DeleteQueue. Never the node-commands DLQ
# (an explicit deny as well as the code's own exclusion). A queue named by a sensor pod (Pod Identity)
# is asked of Kubernetes instead: the access entry above, group bulwark-node-queue-reaper, bound by
# the sensor module to get on pods in the sensor's namespace only; no IAM permission for that.

data "aws_iam_policy_document" "node_queue_reaper" {
  statement {
    # sqs:ListQueues has no resource-level permissions: AWS requires "*"
    sid       = "ListQueues"
    effect    = "Allow"
    actions   = ["sqs:ListQueues"]
    resources = ["*"]
  }

  statement {
    sid       = "InspectAndDeleteNodeQueues"
    effect    = "Allow"
    actions   = ["sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:ListQueueTags"]
    resources = [var.node_commands_queue_arn_pattern]
  }

  dynamic "statement" {
    for_each = var.node_commands_dlq_arn == null ? [] : [var.node_commands_dlq_arn]

    content {
      sid       = "NeverTheDeadLetterQueue"
      effect    = "Deny"
      actions   = ["sqs:DeleteQueue"]
      resources = [statement.value]
    }
  }

  statement {
    # ec2:Describe* has no resource-level permissions: AWS requires "*"
    sid       = "IsTheInstanceGone"
    effect    = "Allow"
    actions   = ["ec2:DescribeInstances"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "node_queue_reaper" {
  name   = "node-queue-reaper"
  role   = aws_iam_role.function["node-queue-reaper"].id
  policy = data.aws_iam_policy_document.node_queue_reaper.json
}

# --- falcosidekick: Falco's alerts into the alerts queue ---------------------------------------
# falcosidekick's SQS output (docs/deploy.md step 8; triage reads Falco's JSON). Its role may send to
# the alerts queue and nothing else. The same cluster identity as the sensor's: EKS Pod Identity
# (an association for the service account) or IRSA (the service account's OIDC subject).

data "aws_iam_policy_document" "falcosidekick_trust" {
  dynamic "statement" {
    for_each = var.falcosidekick != null && var.sensor_identity == "pod_identity" ? [1] : []

    content {
      sid     = "EksPodIdentity"
      effect  = "Allow"
      actions = ["sts:AssumeRole", "sts:TagSession"]

      principals {
        type        = "Service"
        identifiers = ["pods.eks.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account_id]
      }
    }
  }

  dynamic "statement" {
    for_each = var.falcosidekick != null && var.sensor_identity == "irsa" ? [var.falcosidekick] : []

    content {
      sid     = "IrsaServiceAccount"
      effect  = "Allow"
      actions = ["sts:AssumeRoleWithWebIdentity"]

      principals {
        type        = "Federated"
        identifiers = [var.eks_oidc_provider_arn]
      }

      condition {
        test     = "StringEquals"
        variable = "${local.oidc_host}:sub"
        values   = ["system:serviceaccount:${statement.value.namespace}:${statement.value.service_account}"]
      }

      condition {
        test     = "StringEquals"
        variable = "${local.oidc_host}:aud"
        values   = ["sts.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role" "falcosidekick" {
  count = var.falcosidekick == null ? 0 : 1

  name                 = "${var.name_prefix}-falcosidekick"
  description          = "falcosidekick: Falco alerts into the Bulwark alerts queue"
  assume_role_policy   = data.aws_iam_policy_document.falcosidekick_trust.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = var.sensor_identity != "irsa" || var.eks_oidc_provider_arn != null
      error_message = "falcosidekick with sensor_identity = irsa needs eks_oidc_provider_arn."
    }
  }
}

data "aws_iam_policy_document" "falcosidekick" {
  statement {
    sid       = "SendFalcoAlerts"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [var.alerts_queue_arn]
  }

  dynamic "statement" {
    for_each = var.queue_kms_key_arn == null ? [] : [var.queue_kms_key_arn]

    content {
      sid       = "QueueKey"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "falcosidekick" {
  count = var.falcosidekick == null ? 0 : 1

  name   = "falcosidekick"
  role   = aws_iam_role.falcosidekick[0].id
  policy = data.aws_iam_policy_document.falcosidekick.json
}

resource "aws_eks_pod_identity_association" "falcosidekick" {
  count = var.falcosidekick != null && var.sensor_identity == "pod_identity" && var.eks_cluster_name != null ? 1 : 0

  cluster_name    = var.eks_cluster_name
  namespace       = var.falcosidekick.namespace
  service_account = var.falcosidekick.service_account
  role_arn        = aws_iam_role.falcosidekick[0].arn
  tags            = var.tags
}
