output "topic_arn" {
  description = "ARN of the notification topic."
  value       = aws_sns_topic.this.arn
}

output "kms_key_arn" {
  description = "KMS key of the notification topic."
  value       = aws_kms_key.sns.arn
}

output "slack_api_destination_arn" {
  description = "Slack API destination, or null when Slack is not configured."
  value       = try(aws_cloudwatch_event_api_destination.slack[0].arn, null)
}

output "pagerduty_api_destination_arn" {
  description = "PagerDuty API destination, or null when PagerDuty is not configured."
  value       = try(aws_cloudwatch_event_api_destination.pagerduty[0].arn, null)
}

output "connection_secret_arns" {
  description = "Secrets Manager secrets EventBridge created for the connections (its copies of the token and the routing key)."
  value = concat(
    [for c in aws_cloudwatch_event_connection.slack : c.secret_arn],
    [for c in aws_cloudwatch_event_connection.pagerduty : c.secret_arn],
  )
}
