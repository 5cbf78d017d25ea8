variable "name_prefix" {
  description = "Prefix of the bus, rule and queue names."
  type        = string
}

variable "patterns_dir" {
  description = "Directory of the EventBridge pattern JSON files (the same files the Java tests evaluate with event-ruler); null means the repository's functions/src/main/resources/patterns."
  type        = string
  default     = null
}

variable "lambda_targets" {
  description = "Lambda targets by target id: the rule key (escape_surface_report, audit_high_finding, sensor_alert, critical_alert, incident), the function name, the alias (qualifier) and the alias ARN EventBridge invokes."
  type = map(object({
    rule          = string
    function_name = string
    qualifier     = string
    arn           = string
  }))
  default = {}

  validation {
    condition     = alltrue([for t in values(var.lambda_targets) : contains(["escape_surface_report", "audit_high_finding", "sensor_alert", "critical_alert", "incident"], t.rule)])
    error_message = "lambda_targets[*].rule must be one of escape_surface_report, audit_high_finding, sensor_alert, critical_alert, incident."
  }
}

variable "log_alerts" {
  description = "Send every sensor alert (sensor-alert.json) to a CloudWatch log group as well: a searchable record that does not depend on any function."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of the alert log group (days)."
  type        = number
  default     = 90
}

variable "log_kms_key_arn" {
  description = "KMS key ARN for the alert log group; null uses CloudWatch Logs' own encryption. The key policy must allow logs.<region>.amazonaws.com."
  type        = string
  default     = null
}

variable "maximum_retry_attempts" {
  description = "Retries of one event per target before it goes to the targets' DLQ (0-185)."
  type        = number
  default     = 8
}

variable "maximum_event_age_in_seconds" {
  description = "Age after which EventBridge stops retrying an event and sends it to the DLQ (60-86400)."
  type        = number
  default     = 3600
}

variable "dlq_message_retention_seconds" {
  description = "Retention of the targets' dead-letter queue (seconds)."
  type        = number
  default     = 1209600
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "response_patterns_dir" {
  description = "Directory of the playbooks' match patterns (containment.json); null: response/src/main/resources/patterns of this repository."
  type        = string
  default     = null
}

variable "alerts_queue_arn" {
  description = "The alerts queue, where GuardDuty Runtime Monitoring findings of the default bus are sent (needed with guardduty_findings). Its policy must admit the rule (output guardduty_rule_arn)."
  type        = string
  default     = null
}

variable "guardduty_findings" {
  description = "Send GuardDuty Runtime Monitoring findings (default bus, patterns/guardduty-finding.json) to alerts_queue_arn for triage."
  type        = bool
  default     = false
}

variable "approval_timeout_schedule" {
  description = "Schedule of the rule that lets respond settle approvals past their deadline (target it with rule = \"approval_timeouts\")."
  type        = string
  default     = "rate(1 minute)"
}

variable "node_queue_reaper_schedule" {
  description = "Schedule of the rule that runs the node-queue-reaper (target it with rule = \"node_queue_reaper\")."
  type        = string
  default     = "rate(1 hour)"
}
