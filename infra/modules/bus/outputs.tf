output "bus_name" {
  description = "Name of the event bus."
  value       = aws_cloudwatch_event_bus.this.name
}

output "bus_arn" {
  description = "ARN of the event bus."
  value       = aws_cloudwatch_event_bus.this.arn
}

output "rules" {
  description = "The rules by key (escape_surface_report, audit_high_finding, sensor_alert, critical_alert, incident, containment, approval, approval_timeouts, node_queue_reaper): name and ARN."
  value = {
    for k, name in local.rule_names : k => {
      name = name
      arn  = local.rule_arns[k]
    }
  }
}

output "targets_dlq_arn" {
  description = "ARN of the dead-letter queue every target of this bus uses (its policy admits this bus's rules)."
  value       = aws_sqs_queue.targets_dlq.arn
}

output "targets_dlq_url" {
  description = "URL of the targets' dead-letter queue."
  value       = aws_sqs_queue.targets_dlq.url
}

output "alert_log_group_name" {
  description = "Log group receiving every alert, or null when log_alerts is false."
  value       = try(aws_cloudwatch_log_group.alerts[0].name, null)
}

output "patterns_dir" {
  description = "Directory the rule patterns were read from."
  value       = local.patterns_dir
}

output "guardduty_rule_arn" {
  description = "ARN of the default bus's rule sending GuardDuty Runtime Monitoring findings to the alerts queue (null without alerts_queue_arn)."
  value       = one(aws_cloudwatch_event_rule.guardduty_finding[*].arn)
}
