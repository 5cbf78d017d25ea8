output "detector_id" {
  description = "The GuardDuty detector Runtime Monitoring is enabled on."
  value       = local.detector_id
}

output "runtime_monitoring_status" {
  description = "Status of the RUNTIME_MONITORING feature (ENABLED)."
  value       = aws_guardduty_detector_feature.runtime_monitoring.status
}
