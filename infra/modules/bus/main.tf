# The event bus and its rules. Each rule's pattern is one JSON file of
# functions/src/main/resources/patterns, read with file(): the Java code and tests evaluate the
# same files with AWS's event-ruler, so what a test proves is what the rule does.

data "aws_caller_identity" "current" {}

locals {
  patterns_dir = coalesce(var.patterns_dir, "${path.module}/../../../functions/src/main/resources/patterns")
  # the playbooks' match patterns (response/): the default playbook's containment.json is also a rule
  response_patterns_dir = coalesce(var.response_patterns_dir, "${path.module}/../../../response/src/main/resources/patterns")

  rule_arns = {
    escape_surface_report = aws_cloudwatch_event_rule.escape_surface_report.arn
    audit_high_finding    = aws_cloudwatch_event_rule.audit_high_finding.arn
    sensor_alert          = aws_cloudwatch_event_rule.sensor_alert.arn
    critical_alert        = aws_cloudwatch_event_rule.critical_alert.arn
    incident              = aws_cloudwatch_event_rule.incident.arn
    containment           = aws_cloudwatch_event_rule.containment.arn
    approval              = aws_cloudwatch_event_rule.approval.arn
    approval_timeouts     = aws_cloudwatch_event_rule.approval_timeouts.arn
    node_queue_reaper     = aws_cloudwatch_event_rule.node_queue_reaper.arn
  }
  # the bus of each rule: the schedules run on the default bus (schedules exist only there)
  rule_buses = merge({ for k, _ in local.rule_arns : k => aws_cloudwatch_event_bus.this.name }, { approval_timeouts = "default", node_queue_reaper = "default" })

  rule_names = {
    escape_surface_report = aws_cloudwatch_event_rule.escape_surface_report.name
    audit_high_finding    = aws_cloudwatch_event_rule.audit_high_finding.name
    sensor_alert          = aws_cloudwatch_event_rule.sensor_alert.name
    critical_alert        = aws_cloudwatch_event_rule.critical_alert.name
    incident              = aws_cloudwatch_event_rule.incident.name
    containment           = aws_cloudwatch_event_rule.containment.name
    approval              = aws_cloudwatch_event_rule.approval.name
    approval_timeouts     = aws_cloudwatch_event_rule.approval_timeouts.name
    node_queue_reaper     = aws_cloudwatch_event_rule.node_queue_reaper.name
  }
}

resource "aws_cloudwatch_event_bus" "this" {
  name = var.name_prefix
  tags = var.tags
}

# --- rules (one per pattern file) ------------------------------------------------------------

# Escape Surface Reports from every node -> the audit-aggregation function.
resource "aws_cloudwatch_event_rule" "escape_surface_report" {
  name           = "${var.name_prefix}-escape-surface-report"
  description    = "Escape Surface Reports of the nodes (patterns/escape-surface-report.json)"
  event_bus_name = aws_cloudwatch_event_bus.this.name
  event_pattern  = file("${local.patterns_dir}/escape-surface-report.json")
  tags           = var.tags
}

# HIGH escape-surface findings of the audit aggregation -> notification (SNS, Slack).
resource "aws_cloudwatch_event_rule" "audit_high_finding" {
  name           = "${var.name_prefix}-audit-high-finding"
  description    = "HIGH Escape Surface Findings (patterns/audit-high-finding.json)"
  event_bus_name = aws_cloudwatch_event_bus.this.name
  event_pattern  = file("${local.patterns_dir}/audit-high-finding.json")
  tags           = var.tags
}

# Every Container Escape Alert -> the alert log group and chat notification.
resource "aws_cloudwatch_event_rule" "sensor_alert" {
  name           = "${var.name_prefix}-sensor-alert"
  description    = "Every Container Escape Alert (patterns/sensor-alert.json)"
  event_bus_name = aws_cloudwatch_event_bus.this.name
  event_pattern  = file("${local.patterns_dir}/sensor-alert.json")
  tags           = var.tags
}

# CRITICAL, ALERT and EMERGENCY alerts -> respond and snapshot functions, paging.
resource "aws_cloudwatch_event_rule" "critical_alert" {
  name           = "${var.name_prefix}-critical-alert"
  description    = "Container Escape Alerts at CRITICAL or above (patterns/critical-alert.json)"
  event_bus_name = aws_cloudwatch_event_bus.this.name
  event_pattern  = file("${local.patterns_dir}/critical-alert.json")
  tags           = var.tags
}

# Every Bulwark Incident triage publishes (each new version) -> the snapshot function (once per incident).
resource "aws_cloudwatch_event_rule" "incident" {
  name           = "${var.name_prefix}-incident"
  description    = "Bulwark Incidents from triage (patterns/incident.json)"
  event_bus_name = aws_cloudwatch_event_bus.this.name
  event_pattern  = file("${local.patterns_dir}/incident.json")
  tags           = var.tags
}

# The default playbook's match (response/src/main/resources/patterns/containment.json, the file
# the playbook checker and the local stack evaluate) -> the respond function.
resource "aws_cloudwatch_event_rule" "containment" {
  name           = "${var.name_prefix}-containment"
  description    = "Alerts the default playbook contains (response patterns/containment.json)"
  event_bus_name = aws_cloudwatch_event_bus.this.name
  event_pattern  = file("${local.response_patterns_dir}/containment.json")
  tags           = var.tags
}

# Approval decisions (source bulwark.approval) resume a playbook waiting in control.approval.
resource "aws_cloudwatch_event_rule" "approval" {
  name           = "${var.name_prefix}-approval"
  description    = "Approval events for waiting playbooks (patterns/approval.json)"
  event_bus_name = aws_cloudwatch_event_bus.this.name
  event_pattern  = file("${local.patterns_dir}/approval.json")
  tags           = var.tags
}

# Approvals past their deadline are decided by their default on every respond invocation; this
# schedule makes sure one happens (docs/respond.md: an aws.events event does nothing else).
resource "aws_cloudwatch_event_rule" "approval_timeouts" {
  name                = "${var.name_prefix}-approval-timeouts"
  description         = "Settles Bulwark approvals past their deadline (respond)"
  schedule_expression = var.approval_timeout_schedule
  tags                = var.tags
}

# The command queues of nodes that are gone are deleted by the node-queue-reaper function on this
# schedule (target it with rule = "node_queue_reaper"; docs/deploy.md).
resource "aws_cloudwatch_event_rule" "node_queue_reaper" {
  name                = "${var.name_prefix}-node-queue-reaper"
  description         = "Deletes the command queues of Bulwark nodes that are gone (node-queue-reaper)"
  schedule_expression = var.node_queue_reaper_schedule
  tags                = var.tags
}

# --- GuardDuty Runtime Monitoring findings (default bus) -> the alerts queue ----------------
# GuardDuty publishes to the account's default bus only; triage normalises these findings
# (docs/triage.md) like Bulwark and Falco alerts.
resource "aws_cloudwatch_event_rule" "guardduty_finding" {
  count = var.guardduty_findings ? 1 : 0

  name           = "${var.name_prefix}-guardduty-runtime-finding"
  description    = "GuardDuty Runtime Monitoring findings into Bulwark's alerts queue (patterns/guardduty-finding.json)"
  event_bus_name = "default"
  event_pattern  = file("${local.patterns_dir}/guardduty-finding.json")
  tags           = var.tags
}

resource "aws_cloudwatch_event_target" "guardduty_finding" {
  count = var.guardduty_findings ? 1 : 0

  rule           = aws_cloudwatch_event_rule.guardduty_finding[0].name
  event_bus_name = "default"
  target_id      = "bulwark-alerts-queue"
  arn            = var.alerts_queue_arn

  retry_policy {
    maximum_retry_attempts       = var.maximum_retry_attempts
    maximum_event_age_in_seconds = var.maximum_event_age_in_seconds
  }

  dead_letter_config {
    arn = aws_sqs_queue.targets_dlq.arn
  }
}

# --- the targets' dead-letter queue ----------------------------------------------------------

resource "aws_sqs_queue" "targets_dlq" {
  name                      = "${var.name_prefix}-event-targets-dlq"
  message_retention_seconds = var.dlq_message_retention_seconds
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

data "aws_iam_policy_document" "targets_dlq" {
  statement {
    sid       = "EventBridgeRulesOfThisBus"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.targets_dlq.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = concat(values(local.rule_arns), aws_cloudwatch_event_rule.guardduty_finding[*].arn)
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.targets_dlq.arn]

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

resource "aws_sqs_queue_policy" "targets_dlq" {
  queue_url = aws_sqs_queue.targets_dlq.id
  policy    = data.aws_iam_policy_document.targets_dlq.json
}

# --- Lambda targets --------------------------------------------------------------------------

resource "aws_cloudwatch_event_target" "lambda" {
  for_each = var.lambda_targets

  rule           = local.rule_names[each.value.rule]
  event_bus_name = local.rule_buses[each.value.rule]
  target_id      = each.key
  arn            = each.value.arn

  retry_policy {
    maximum_retry_attempts       = var.maximum_retry_attempts
    maximum_event_age_in_seconds = var.maximum_event_age_in_seconds
  }

  dead_letter_config {
    arn = aws_sqs_queue.targets_dlq.arn
  }
}

resource "aws_lambda_permission" "events" {
  for_each = var.lambda_targets

  statement_id  = "events-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = each.value.function_name
  qualifier     = each.value.qualifier
  principal     = "events.amazonaws.com"
  source_arn    = local.rule_arns[each.value.rule]
}

# --- every alert into a log group ------------------------------------------------------------

resource "aws_cloudwatch_log_group" "alerts" {
  count = var.log_alerts ? 1 : 0

  name              = "/aws/events/${var.name_prefix}/alerts"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "alerts_log" {
  count = var.log_alerts ? 1 : 0

  statement {
    sid       = "EventBridgeWritesAlerts"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.alerts[0].arn}:*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "delivery.logs.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.sensor_alert.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_cloudwatch_log_resource_policy" "alerts" {
  count = var.log_alerts ? 1 : 0

  policy_name     = "${var.name_prefix}-events-to-alert-log"
  policy_document = data.aws_iam_policy_document.alerts_log[0].json
}

resource "aws_cloudwatch_event_target" "alert_log" {
  count = var.log_alerts ? 1 : 0

  rule           = aws_cloudwatch_event_rule.sensor_alert.name
  event_bus_name = aws_cloudwatch_event_bus.this.name
  target_id      = "alert-log"
  arn            = aws_cloudwatch_log_group.alerts[0].arn

  retry_policy {
    maximum_retry_attempts       = var.maximum_retry_attempts
    maximum_event_age_in_seconds = var.maximum_event_age_in_seconds
  }

  dead_letter_config {
    arn = aws_sqs_queue.targets_dlq.arn
  }

  depends_on = [aws_cloudwatch_log_resource_policy.alerts]
}
