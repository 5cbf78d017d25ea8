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

output "node_commands_queue_arns" {
  description = "ARN of each node's command queue, by node host name (var.command_nodes)."
  value       = { for n, q in aws_sqs_queue.node_commands : n => q.arn }
}

output "node_commands_queue_urls" {
  description = "URL of each node's command queue, by node host name: the shipper's --command-queue-url on that node."
  value       = { for n, q in aws_sqs_queue.node_commands : n => q.url }
}

output "node_commands_queue_url_template" {
  description = "The respond function's BULWARK_RESPOND_COMMANDS_QUEUE_URL: {node} is replaced by the alert's host name (characters outside [A-Za-z0-9_-] become -)."
  value       = "${local.sqs_base_url}/${local.command_queue_prefix}{node}"
}

output "node_commands_queue_arn_pattern" {
  description = "ARN pattern of every node command queue of this deployment (IAM resource)."
  value       = "${local.sqs_base_arn}:${local.command_queue_prefix}*"
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

output "alerts_dlq_url" {
  description = "URL of the alerts queue's dead-letter queue (triage's BULWARK_TRIAGE_DLQ_URL: poison messages with their reason)."
  value       = aws_sqs_queue.alerts_dlq.url
}

output "node_commands_queue_name_prefix" {
  description = "Name prefix of every node command queue (<name_prefix>-node-): what the node-queue-reaper lists."
  value       = local.command_queue_prefix
}

output "node_commands_dlq_name" {
  description = "Name of the node-commands dead-letter queue (it shares the prefix; the reaper never deletes it)."
  value       = aws_sqs_queue.node_commands_dlq.name
}
