# Queues: the alerts queue (sensor -> triage), the node command channel (respond -> nodes) and the
# dead-letter queue of the Lambda functions' asynchronous invocations. Every working queue has a
# DLQ and a redrive policy; every DLQ accepts redrives only from its own source queue.

locals {
  sse_sqs = var.kms_key_arn == null

  # every queue, for the TLS-only policies at the end
  queue_urls = {
    alerts            = aws_sqs_queue.alerts.url
    alerts_dlq        = aws_sqs_queue.alerts_dlq.url
    node_commands     = aws_sqs_queue.node_commands.url
    node_commands_dlq = aws_sqs_queue.node_commands_dlq.url
    functions_dlq     = aws_sqs_queue.functions_dlq.url
  }
  queue_arns = {
    alerts            = aws_sqs_queue.alerts.arn
    alerts_dlq        = aws_sqs_queue.alerts_dlq.arn
    node_commands     = aws_sqs_queue.node_commands.arn
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

resource "aws_sqs_queue" "node_commands" {
  name                              = "${var.name_prefix}-node-commands"
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

  tags = var.tags
}

resource "aws_sqs_queue_redrive_allow_policy" "node_commands_dlq" {
  queue_url = aws_sqs_queue.node_commands_dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.node_commands.arn]
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
  for_each = local.queue_arns

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
  for_each = local.queue_urls

  queue_url = each.value
  policy    = data.aws_iam_policy_document.tls_only[each.key].json
}
