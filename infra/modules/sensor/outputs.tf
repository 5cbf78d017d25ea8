output "manifest" {
  description = "The rendered sensor manifest (service account, RBAC, DaemonSet) for kubectl apply -f -."
  value       = local.manifest
}

output "namespace" {
  description = "Namespace of the sensor."
  value       = var.namespace
}

output "daemonset_name" {
  description = "Name of the sensor DaemonSet."
  value       = "bulwark-sensor"
}
