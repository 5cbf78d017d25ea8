output "alerts_queue_url" {
  description = "URL of the alerts queue (sensor configuration)."
  value       = module.queues.alerts_queue_url
}

output "node_commands_queue_urls" {
  description = "Command queue URL of each node in command_nodes (the shipper's --command-queue-url on that node)."
  value       = module.queues.node_commands_queue_urls
}

output "bus_name" {
  description = "Name of the Bulwark event bus."
  value       = module.bus.bus_name
}

output "archive_bucket" {
  description = "Name of the forensic archive bucket."
  value       = module.archive.bucket_name
}

output "athena_workgroup" {
  description = "Athena workgroup for querying alerts and incidents."
  value       = module.archive.athena_workgroup_name
}

output "glue_database" {
  description = "Glue database of the alerts and incidents tables."
  value       = module.archive.glue_database_name
}

output "function_names" {
  description = "Lambda function names by handler name."
  value       = module.functions.function_names
}

output "sensor_role_arn" {
  description = "The sensor's IAM role."
  value       = module.iam.sensor_role_arn
}

output "sensor_ec2_instance_profile" {
  description = "Instance profile for sensors on plain EC2 hosts, or null."
  value       = module.iam.sensor_ec2_instance_profile_name
}

output "notification_topic_arn" {
  description = "SNS topic of the notifications."
  value       = module.notify.topic_arn
}

output "dead_letter_queues" {
  description = "Every dead-letter queue to watch (a message in one is a lost alert, event or invocation)."
  value = {
    alerts        = module.queues.alerts_dlq_arn
    node_commands = module.queues.node_commands_dlq_arn
    functions     = module.queues.functions_dlq_arn
    event_targets = module.bus.targets_dlq_arn
  }
}

output "sensor_manifest" {
  description = "The rendered sensor manifest (kubectl apply -f -), or null without a cluster and image."
  value       = try(module.sensor[0].manifest, null)
}

output "falcosidekick_role_arn" {
  description = "falcosidekick's role (sqs:SendMessage on the alerts queue only), or null: the eks.amazonaws.com/role-arn annotation of its service account with IRSA."
  value       = module.iam.falcosidekick_role_arn
}

output "guardduty_detector_id" {
  description = "The GuardDuty detector with Runtime Monitoring enabled, or null."
  value       = try(module.guardduty[0].detector_id, null)
}
