output "function_role_arns" {
  description = "Execution role ARN of each function, by function name."
  value       = { for k, r in aws_iam_role.function : k => r.arn }
}

output "sensor_role_arn" {
  description = "ARN of the sensor's role (Pod Identity or IRSA)."
  value       = aws_iam_role.sensor.arn
}

output "sensor_role_name" {
  description = "Name of the sensor's role."
  value       = aws_iam_role.sensor.name
}

output "sensor_ec2_instance_profile_name" {
  description = "Instance profile for sensors on plain EC2 hosts, or null."
  value       = try(aws_iam_instance_profile.sensor_ec2[0].name, null)
}

output "sensor_object_prefix" {
  description = "The archive key prefix (IAM policy variables unresolved) the Kubernetes sensor may put objects under."
  value       = local.sensor_k8s_prefix
}

output "kubernetes_groups" {
  description = "Kubernetes groups the functions' access entries map to (bound by the sensor module's RBAC)."
  value = {
    respond             = "bulwark-respond"
    snapshot            = "bulwark-snapshot"
    "audit-aggregation" = "bulwark-audit"
    "node-queue-reaper" = "bulwark-node-queue-reaper"
  }
}

output "falcosidekick_role_arn" {
  description = "falcosidekick's role (sqs:SendMessage on the alerts queue only), or null. With IRSA annotate its service account with it; with Pod Identity the association exists already."
  value       = try(aws_iam_role.falcosidekick[0].arn, null)
}
