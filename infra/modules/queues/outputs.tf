output "alerts_queue_arn" {
  description = "ARN of the alerts queue (sensor -> triage)."
  value       = aws_sqs_queue.alerts.arn
}

output "alerts_queue_url" {
  description = "URL of the alerts queue."
  value       = aws_sqs_queue.alerts.url
}

output "alerts_dlq_arn" {
  description = "ARN of the alerts dead-letter queue."
  value       = aws_sqs_queue.alerts_dlq.arn
}

output "node_commands_queue_arn" {
  description = "ARN of the node command channel."
  value       = aws_sqs_queue.node_commands.arn
}

output "node_commands_queue_url" {
  description = "URL of the node command channel."
  value       = aws_sqs_queue.node_commands.url
}

output "node_commands_dlq_arn" {
  description = "ARN of the node command channel's dead-letter queue."
  value       = aws_sqs_queue.node_commands_dlq.arn
}

output "functions_dlq_arn" {
  description = "ARN of the dead-letter queue of the functions' asynchronous invocations."
  value       = aws_sqs_queue.functions_dlq.arn
}

output "functions_dlq_url" {
  description = "URL of the functions' dead-letter queue."
  value       = aws_sqs_queue.functions_dlq.url
}

output "kms_key_arn" {
  description = "KMS key of the queues, or null when they use SQS-managed encryption."
  value       = var.kms_key_arn
}
