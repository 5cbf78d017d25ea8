# Notification: an SNS topic (KMS-encrypted) and EventBridge API destinations for Slack
# (chat.postMessage with a bot token) and PagerDuty (Events API v2). The Slack token and the
# PagerDuty routing key are read from Secrets Manager secrets the operator creates; EventBridge
# keeps its copy in a Secrets Manager secret of its own (the connection's), never in a target.
# Terraform state holds the values too: keep state in an encrypted, access-controlled backend.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  slack      = var.slack_token_secret_id != null
  pagerduty  = var.pagerduty_routing_key_secret_id != null

  sns_targets       = { for r in var.sns_rules : r => var.rules[r] }
  slack_targets     = local.slack ? { for r in var.slack_rules : r => var.rules[r] } : {}
  pagerduty_targets = local.pagerduty ? { for r in var.pagerduty_rules : r => var.rules[r] } : {}

  api_destination_arns = concat(
    [for d in aws_cloudwatch_event_api_destination.slack : d.arn],
    [for d in aws_cloudwatch_event_api_destination.pagerduty : d.arn],
  )
}

# --- SNS -----------------------------------------------------------------------------------------

data "aws_iam_policy_document" "key" {
  # A key policy's Resource is always "*": it means this key.
  statement {
    sid    = "AccountAdministersAndDelegatesToIam"
    effect = "Allow"
    actions = [
      "kms:CancelKeyDeletion",
      "kms:CreateAlias",
      "kms:CreateGrant",
      "kms:Decrypt",
      "kms:DeleteAlias",
      "kms:DescribeKey",
      "kms:DisableKey",
      "kms:DisableKeyRotation",
      "kms:EnableKey",
      "kms:EnableKeyRotation",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus",
      "kms:ListAliases",
      "kms:ListGrants",
      "kms:ListKeyPolicies",
      "kms:ListKeyRotations",
      "kms:ListResourceTags",
      "kms:PutKeyPolicy",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
      "kms:RetireGrant",
      "kms:RevokeGrant",
      "kms:RotateKeyOnDemand",
      "kms:ScheduleKeyDeletion",
      "kms:TagResource",
      "kms:UntagResource",
      "kms:UpdateAlias",
      "kms:UpdateKeyDescription",
    ]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "EventBridgeAndAlarmsPublish"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_kms_key" "sns" {
  description             = "Bulwark notifications (${var.name_prefix})"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
  tags                    = var.tags
}

resource "aws_kms_alias" "sns" {
  name          = "alias/${var.name_prefix}-notify"
  target_key_id = aws_kms_key.sns.key_id
}

resource "aws_sns_topic" "this" {
  name              = "${var.name_prefix}-notifications"
  kms_master_key_id = aws_kms_key.sns.arn
  tags              = var.tags
}

data "aws_iam_policy_document" "topic" {
  statement {
    sid       = "BusRulesPublish"
    effect    = "Allow"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.this.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [for r in values(var.rules) : r.arn]
    }
  }

  statement {
    sid       = "AlarmsOfThisAccountPublish"
    effect    = "Allow"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.this.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.this.arn]

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

resource "aws_sns_topic_policy" "this" {
  arn    = aws_sns_topic.this.arn
  policy = data.aws_iam_policy_document.topic.json
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.email_addresses)

  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_cloudwatch_event_target" "sns" {
  for_each = local.sns_targets

  rule           = each.value.name
  event_bus_name = var.bus_name
  target_id      = "sns"
  arn            = aws_sns_topic.this.arn

  retry_policy {
    maximum_retry_attempts       = var.maximum_retry_attempts
    maximum_event_age_in_seconds = var.maximum_event_age_in_seconds
  }

  dead_letter_config {
    arn = var.dead_letter_queue_arn
  }
}

# --- API destinations: the role EventBridge invokes them with --------------------------------

data "aws_iam_policy_document" "events_trust" {
  statement {
    sid     = "EventBridgeOfThisAccount"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "invoke_api_destinations" {
  count = local.slack || local.pagerduty ? 1 : 0

  name               = "${var.name_prefix}-invoke-api-destinations"
  description        = "EventBridge sends Bulwark events to Slack and PagerDuty"
  assume_role_policy = data.aws_iam_policy_document.events_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "invoke_api_destinations" {
  count = local.slack || local.pagerduty ? 1 : 0

  statement {
    sid       = "InvokeOwnApiDestinations"
    effect    = "Allow"
    actions   = ["events:InvokeApiDestination"]
    resources = local.api_destination_arns
  }
}

resource "aws_iam_role_policy" "invoke_api_destinations" {
  count = local.slack || local.pagerduty ? 1 : 0

  name   = "invoke-api-destinations"
  role   = aws_iam_role.invoke_api_destinations[0].id
  policy = data.aws_iam_policy_document.invoke_api_destinations[0].json
}

# --- Slack -------------------------------------------------------------------------------------

data "aws_secretsmanager_secret_version" "slack" {
  count = local.slack ? 1 : 0

  secret_id = var.slack_token_secret_id
}

resource "aws_cloudwatch_event_connection" "slack" {
  count = local.slack ? 1 : 0

  name               = "${var.name_prefix}-slack"
  description        = "Slack bot token (chat:write)"
  authorization_type = "API_KEY"

  auth_parameters {
    api_key {
      key   = "Authorization"
      value = "Bearer ${data.aws_secretsmanager_secret_version.slack[0].secret_string}"
    }
  }
}

resource "aws_cloudwatch_event_api_destination" "slack" {
  count = local.slack ? 1 : 0

  name                             = "${var.name_prefix}-slack"
  description                      = "Slack chat.postMessage"
  invocation_endpoint              = "https://slack.com/api/chat.postMessage"
  http_method                      = "POST"
  invocation_rate_limit_per_second = var.invocation_rate_limit_per_second
  connection_arn                   = aws_cloudwatch_event_connection.slack[0].arn
}

resource "aws_cloudwatch_event_target" "slack" {
  for_each = local.slack_targets

  rule           = each.value.name
  event_bus_name = var.bus_name
  target_id      = "slack"
  arn            = aws_cloudwatch_event_api_destination.slack[0].arn
  role_arn       = aws_iam_role.invoke_api_destinations[0].arn

  input_transformer {
    input_paths = {
      kind     = "$.detail-type"
      id       = "$.detail.id"
      priority = "$.detail.priority"
      rule     = "$.detail.rule"
      node     = "$.detail.node.hostname"
      output   = "$.detail.output"
    }
    input_template = <<-EOT
      {"channel": "${var.slack_channel}", "text": "Bulwark <kind> <priority> <rule> on <node> (<id>)\n<output>"}
    EOT
  }

  retry_policy {
    maximum_retry_attempts       = var.maximum_retry_attempts
    maximum_event_age_in_seconds = var.maximum_event_age_in_seconds
  }

  dead_letter_config {
    arn = var.dead_letter_queue_arn
  }
}

# --- PagerDuty (Events API v2) ------------------------------------------------------------------

data "aws_secretsmanager_secret_version" "pagerduty" {
  count = local.pagerduty ? 1 : 0

  secret_id = var.pagerduty_routing_key_secret_id
}

resource "aws_cloudwatch_event_connection" "pagerduty" {
  count = local.pagerduty ? 1 : 0

  name               = "${var.name_prefix}-pagerduty"
  description        = "PagerDuty Events API v2 routing key"
  authorization_type = "API_KEY"

  auth_parameters {
    api_key {
      key   = "X-Routing-Key"
      value = data.aws_secretsmanager_secret_version.pagerduty[0].secret_string
    }

    # Events v2 reads the routing key from the JSON body: the connection adds it, as a secret.
    invocation_http_parameters {
      body {
        key             = "routing_key"
        value           = data.aws_secretsmanager_secret_version.pagerduty[0].secret_string
        is_value_secret = true
      }
    }
  }
}

resource "aws_cloudwatch_event_api_destination" "pagerduty" {
  count = local.pagerduty ? 1 : 0

  name                             = "${var.name_prefix}-pagerduty"
  description                      = "PagerDuty Events API v2 enqueue"
  invocation_endpoint              = "https://events.pagerduty.com/v2/enqueue"
  http_method                      = "POST"
  invocation_rate_limit_per_second = var.invocation_rate_limit_per_second
  connection_arn                   = aws_cloudwatch_event_connection.pagerduty[0].arn
}

resource "aws_cloudwatch_event_target" "pagerduty" {
  for_each = local.pagerduty_targets

  rule           = each.value.name
  event_bus_name = var.bus_name
  target_id      = "pagerduty"
  arn            = aws_cloudwatch_event_api_destination.pagerduty[0].arn
  role_arn       = aws_iam_role.invoke_api_destinations[0].arn

  input_transformer {
    input_paths = {
      id       = "$.detail.id"
      priority = "$.detail.priority"
      rule     = "$.detail.rule"
      node     = "$.detail.node.hostname"
      detail   = "$.detail"
    }
    input_template = <<-EOT
      {"event_action": "trigger", "dedup_key": "<id>", "payload": {"summary": "Bulwark <priority>: <rule> on <node>", "source": "<node>", "severity": "critical", "custom_details": <detail>}}
    EOT
  }

  retry_policy {
    maximum_retry_attempts       = var.maximum_retry_attempts
    maximum_event_age_in_seconds = var.maximum_event_age_in_seconds
  }

  dead_letter_config {
    arn = var.dead_letter_queue_arn
  }
}
