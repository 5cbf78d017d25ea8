# Queues: the alerts queue (sensor -> triage), the node command channel (respond -> nodes) and the
# dead-letter queue of the Lambda functions' asynchronous invocations. Every working queue has a
# DLQ and a redrive policy; every DLQ accepts redrives only from its own source queue.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  sse_sqs = var.kms_key_arn == null

  # node host name -> queue name, sanitised as the respond function does (SqsCommandChannel)
  command_queue_prefix = "${var.name_prefix}-node-"
  command_queue_names  = { for n in var.command_nodes : n => "${local.command_queue_prefix}${replace(n, "/[^A-Za-z0-9_-]/", "-")}" }
  sqs_base_url         = "https://sqs.${data.aws_region.current.id}.amazonaws.com/${data.aws_caller_identity.current.account_id}"
  sqs_base_arn         = "arn:${data.aws_partition.current.partition}:sqs:${data.aws_region.current.id}:${data.aws_caller_identity.current.account_id}"
  # the ARN ec2:SourceInstanceARN carries for a request signed with an instance's profile credentials
  ec2_instance_arn_prefix = "arn:${data.aws_partition.current.partition}:ec2:${data.aws_region.current.id}:${data.aws_caller_identity.current.account_id}:instance/"

  # every queue, for the TLS-only policies at the end
  queue_urls = {
    alerts            = aws_sqs_queue.alerts.url
    alerts_dlq        = aws_sqs_queue.alerts_dlq.url
    node_commands_dlq = aws_sqs_queue.node_commands_dlq.url
    functions_dlq     = aws_sqs_queue.functions_dlq.url
  }
  queue_arns = {
    alerts            = aws_sqs_queue.alerts.arn
    alerts_dlq        = aws_sqs_queue.alerts_dlq.arn
    node_commands_dlq = aws_sqs_queue.node_commands_dlq.arn
    functions_dlq     = aws_sqs_queue.functions_dlq.arn
  }
}

# --- alerts ---------------------------------------------------------------------------------

resource "aws_sqs_queue" "alerts_dlq" {
  name                              = "${var.name_prefix}-alerts-dlq"
  message_retention_seconds         = var.dlq_message_retention_seconds
  sqs_managed_sse_enabled           = local.sse_sqs ? true : null
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.sse_sqs ? null : var.kms_data_key_reuse_period_seconds
  tags                              = var.tags
}

resource "aws_sqs_queue" "alerts" {
  name                              = "${var.name_prefix}-alerts"
  message_retention_seconds         = var.alerts_message_retention_seconds
  visibility_timeout_seconds        = var.alerts_visibility_timeout_seconds
  receive_wait_time_seconds         = 20
  sqs_managed_sse_enabled           = local.sse_sqs ? true : null
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.sse_sqs ? null : var.kms_data_key_reuse_period_seconds

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.alerts_dlq.arn
    maxReceiveCount     = var.alerts_max_receive_count
  })

  tags = var.tags
}

resource "aws_sqs_queue_redrive_allow_policy" "alerts_dlq" {
  queue_url = aws_sqs_queue.alerts_dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.alerts.arn]
  })
}

# --- node command channel -------------------------------------------------------------------

resource "aws_sqs_queue" "node_commands_dlq" {
  name                              = "${var.name_prefix}-node-commands-dlq"
  message_retention_seconds         = var.dlq_message_retention_seconds
  sqs_managed_sse_enabled           = local.sse_sqs ? true : null
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.sse_sqs ? null : var.kms_data_key_reuse_period_seconds
  tags                              = var.tags
}

# A queue per node: the respond function sends a node's commands to
# "<name_prefix>-node-<node>" (its BULWARK_RESPOND_COMMANDS_QUEUE_URL holds {node}, replaced by the
# alert's host name with every character outside [A-Za-z0-9_-] turned into "-"), and that node's
# shipper receives from it alone: a command never reaches a node it does not name (the sensor also
# rejects one that names another node, docs/response.md). These are Terraform's, one per entry of
# var.command_nodes (plain EC2 hosts); an EKS node's shipper creates its own at start. A host given in
# var.command_node_instance_ids gets its queue tagged bulwark:instance-arn: the EC2 sensor role reads
# only the queue whose tag is the ARN of the instance it runs on (ec2:SourceInstanceARN,
# modules/iam), and the node-queue-reaper knows which instance to ask EC2 about. bulwark:managed-by
# keeps the reaper off Terraform's queues (drop a host from command_nodes instead).
resource "aws_sqs_queue" "node_commands" {
  for_each = local.command_queue_names

  name                              = each.value
  message_retention_seconds         = var.node_commands_message_retention_seconds
  visibility_timeout_seconds        = var.node_commands_visibility_timeout_seconds
  receive_wait_time_seconds         = 20
  sqs_managed_sse_enabled           = local.sse_sqs ? true : null
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.sse_sqs ? null : var.kms_data_key_reuse_period_seconds

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.node_commands_dlq.arn
    maxReceiveCount     = var.node_commands_max_receive_count
  })

  tags = merge(
    var.tags,
    { "bulwark:node" = each.key, "bulwark:managed-by" = "terraform" },
    contains(keys(var.command_node_instance_ids), each.key) ? { "bulwark:instance-arn" = "${local.ec2_instance_arn_prefix}${var.command_node_instance_ids[each.key]}" } : {},
  )
}

resource "aws_sqs_queue_redrive_allow_policy" "node_commands_dlq" {
  queue_url = aws_sqs_queue.node_commands_dlq.id

  # no node queues (no command_nodes): nothing may redrive into it
  redrive_allow_policy = length(aws_sqs_queue.node_commands) == 0 ? jsonencode({ redrivePermission = "denyAll" }) : jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [for q in aws_sqs_queue.node_commands : q.arn]
  })
}

# --- dead-letter queue of the functions' asynchronous invocations ----------------------------

resource "aws_sqs_queue" "functions_dlq" {
  name                              = "${var.name_prefix}-functions-dlq"
  message_retention_seconds         = var.dlq_message_retention_seconds
  sqs_managed_sse_enabled           = local.sse_sqs ? true : null
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.sse_sqs ? null : var.kms_data_key_reuse_period_seconds
  tags                              = var.tags
}

# --- TLS only ---------------------------------------------------------------------------------

data "aws_iam_policy_document" "tls_only" {
  for_each = merge({ for k, v in local.queue_arns : k => v if k != "alerts" }, { for n, q in aws_sqs_queue.node_commands : "node-${n}" => q.arn })

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [each.value]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "tls_only" {
  for_each = merge({ for k, v in local.queue_urls : k => v if k != "alerts" }, { for n, q in aws_sqs_queue.node_commands : "node-${n}" => q.url })

  queue_url = each.value
  policy    = data.aws_iam_policy_document.tls_only[each.key].json
}

# The alerts queue: TLS only, and EventBridge may send to it only for the rules given
# (GuardDuty Runtime Monitoring findings from the default bus, modules/bus).
data "aws_iam_policy_document" "alerts" {
  dynamic "statement" {
    for_each = length(var.alerts_event_rule_arns) == 0 ? [] : [1]

    content {
      sid       = "EventBridgeRules"
      effect    = "Allow"
      actions   = ["sqs:SendMessage"]
      resources = [aws_sqs_queue.alerts.arn]

      principals {
        type        = "Service"
        identifiers = ["events.amazonaws.com"]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = var.alerts_event_rule_arns
      }
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.alerts.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "alerts" {
  queue_url = aws_sqs_queue.alerts.url
  policy    = data.aws_iam_policy_document.alerts.json
}
