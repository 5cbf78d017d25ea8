variable "name_prefix" {
  description = "Prefix of the topic, key, connection and destination names."
  type        = string
}

variable "bus_name" {
  description = "Name of the Bulwark event bus the rules are on."
  type        = string
}

variable "rules" {
  description = "Rules of the bus module by key (its output rules): name and ARN."
  type = map(object({
    name = string
    arn  = string
  }))
}

variable "dead_letter_queue_arn" {
  description = "SQS dead-letter queue of the targets (the bus module's targets_dlq_arn, whose policy admits the bus's rules)."
  type        = string
}

variable "sns_rules" {
  description = "Rule keys whose events go to the SNS topic."
  type        = list(string)
  default     = ["critical_alert", "audit_high_finding"]
}

variable "slack_rules" {
  description = "Rule keys whose events go to Slack."
  type        = list(string)
  default     = ["sensor_alert", "audit_high_finding"]
}

variable "pagerduty_rules" {
  description = "Rule keys whose events page through PagerDuty."
  type        = list(string)
  default     = ["critical_alert"]
}

variable "email_addresses" {
  description = "Email addresses subscribed to the SNS topic (each must confirm its subscription)."
  type        = list(string)
  default     = []
}

variable "slack_token_secret_id" {
  description = "Secrets Manager secret (name or ARN) holding a Slack bot token (xoxb-…) with chat:write; null disables Slack."
  type        = string
  default     = null
}

variable "slack_channel" {
  description = "Slack channel ID the bot posts to (e.g. C0123456789)."
  type        = string
  default     = ""
}

variable "pagerduty_routing_key_secret_id" {
  description = "Secrets Manager secret (name or ARN) holding a PagerDuty Events API v2 routing (integration) key; null disables PagerDuty."
  type        = string
  default     = null
}

variable "invocation_rate_limit_per_second" {
  description = "Most requests per second EventBridge sends to each API destination (Slack allows about one message per second per channel)."
  type        = number
  default     = 1
}

variable "maximum_retry_attempts" {
  description = "Retries of one event per target before it goes to the DLQ."
  type        = number
  default     = 8
}

variable "maximum_event_age_in_seconds" {
  description = "Age after which EventBridge stops retrying an event (seconds)."
  type        = number
  default     = 3600
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
