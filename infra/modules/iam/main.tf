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

  functions = toset(["triage", "respond", "snapshot", "audit-aggregation"])

  log_group_arns = {
    for f in local.functions : f => "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${var.name_prefix}-${f}"
  }

  cluster_arn = var.eks_cluster_name == null ? null : "arn:${local.partition}:eks:${local.region}:${local.account_id}:cluster/${var.eks_cluster_name}"

  # archive objects by prefix
  alerts_objects    = "${var.archive_bucket_arn}/${var.archive_prefixes.alerts}*"
  incidents_objects = "${var.archive_bucket_arn}/${var.archive_prefixes.incidents}*"
  audit_objects     = "${var.archive_bucket_arn}/${var.archive_prefixes.audit}*"
  keys_objects      = "${var.archive_bucket_arn}/keys/*"

  # The sensor's own prefix. With Pod Identity EKS tags each session with the pod's name (one
  # DaemonSet pod per node, a name the pod cannot choose), so a pod can write only under
  # nodes/<its pod name>/, the name its shipper uses (--node). With IRSA and on EC2 no tag names the
  # node, so the whole nodes/ prefix is allowed: still put-only, no reads, no deletes.
  sensor_k8s_prefix = coalesce(var.sensor_object_prefix, var.sensor_identity == "pod_identity" ? "${var.archive_prefixes.nodes}$${aws:PrincipalTag/kubernetes-pod-name}/" : var.archive_prefixes.nodes)
  sensor_ec2_prefix = coalesce(var.sensor_object_prefix, var.archive_prefixes.nodes)
  sensor_prefixes = merge(
    { k8s = local.sensor_k8s_prefix },
    var.create_ec2_sensor_role ? { ec2 = local.sensor_ec2_prefix } : {},
  )

  oidc_host = var.eks_oidc_provider_arn == null ? "" : replace(var.eks_oidc_provider_arn, "/^.*:oidc-provider\\//", "")

  ec2_instances   = "arn:${local.partition}:ec2:${local.region}:${local.account_id}:instance/*"
  ec2_volumes     = "arn:${local.partition}:ec2:${local.region}:${local.account_id}:volume/*"
  ec2_snapshots   = "arn:${local.partition}:ec2:${local.region}::snapshot/*"
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

# --- triage: consumes the alerts queue, writes alert and incident lines --------------------------

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

# --- respond: commands to nodes, incident records, EC2 isolation -------------------------------

data "aws_iam_policy_document" "respond" {
  statement {
    sid       = "CommandTheNodes"
    effect    = "Allow"
    actions   = ["sqs:GetQueueAttributes", "sqs:SendMessage"]
    resources = [var.node_commands_queue_arn]
  }

  statement {
    sid       = "IncidentRecords"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = [local.incidents_objects]
  }

  dynamic "statement" {
    for_each = local.ec2_tag_enabled ? [var.ec2_response_tag] : []

    content {
      sid       = "IsolateTaggedInstances"
      effect    = "Allow"
      actions   = ["ec2:CreateTags", "ec2:ModifyInstanceAttribute"]
      resources = [local.ec2_instances]

      condition {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${statement.value.key}"
        values   = [statement.value.value]
      }
    }
  }

  dynamic "statement" {
    for_each = local.ec2_tag_enabled && length(local.quarantine_sgs) > 0 ? [1] : []

    content {
      sid       = "QuarantineSecurityGroups"
      effect    = "Allow"
      actions   = ["ec2:ModifyInstanceAttribute"]
      resources = local.quarantine_sgs
    }
  }

  dynamic "statement" {
    for_each = local.ec2_tag_enabled ? [1] : []

    content {
      # ec2:Describe* has no resource-level permissions: AWS requires "*"
      sid       = "DescribeInstances"
      effect    = "Allow"
      actions   = ["ec2:DescribeInstances"]
      resources = ["*"]
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

  statement {
    sid       = "PutObjectsUnderOwnNodePrefix"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${var.archive_bucket_arn}/${each.value}*"]
  }

  # kms:Decrypt because S3 needs it to complete a multipart upload under SSE-KMS (large evidence
  # streams); without s3:GetObject it reads nothing.
  statement {
    sid       = "EncryptForTheArchive"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.archive_kms_key_arn]
  }

  statement {
    sid    = "TakeNodeCommands"
    effect = "Allow"
    actions = [
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:ReceiveMessage",
    ]
    resources = [var.node_commands_queue_arn]
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
  for_each = var.eks_cluster_name == null ? {} : {
    respond             = "bulwark-respond"
    snapshot            = "bulwark-snapshot"
    "audit-aggregation" = "bulwark-audit"
  }

  cluster_name      = var.eks_cluster_name
  principal_arn     = aws_iam_role.function[each.key].arn
  kubernetes_groups = [each.value]
  type              = "STANDARD"
  tags              = var.tags
}
