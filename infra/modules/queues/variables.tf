variable "name_prefix" {
  description = "Prefix of every queue name (lowercase letters, digits and hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,19}$", var.name_prefix))
    error_message = "name_prefix: 1-20 characters, lowercase letters, digits and hyphens."
  }
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for the queues; null uses SQS-managed encryption (SSE-SQS). A KMS key must allow events.amazonaws.com and every producer to use it."
  type        = string
  default     = null
}

variable "kms_data_key_reuse_period_seconds" {
  description = "How long SQS reuses a data key before calling KMS again (only with kms_key_arn)."
  type        = number
  default     = 300
}

variable "alerts_message_retention_seconds" {
  description = "How long an alert waits in the alerts queue before SQS drops it (seconds)."
  type        = number
  default     = 345600
}

variable "alerts_visibility_timeout_seconds" {
  description = "Visibility timeout of the alerts queue; keep it at least six times the triage function's timeout."
  type        = number
  default     = 180
}

variable "alerts_max_receive_count" {
  description = "Receives of one alert before it moves to the alerts DLQ."
  type        = number
  default     = 5
}

variable "node_commands_visibility_timeout_seconds" {
  description = "Visibility timeout of the node command channel (a node must act and delete within it)."
  type        = number
  default     = 60
}

variable "node_commands_message_retention_seconds" {
  description = "How long a command for a node stays in the channel (seconds); a stale containment command is worse than none."
  type        = number
  default     = 3600
}

variable "node_commands_max_receive_count" {
  description = "Receives of one node command before it moves to the node-commands DLQ."
  type        = number
  default     = 5
}

variable "dlq_message_retention_seconds" {
  description = "Retention of every dead-letter queue (seconds; 14 days is the SQS maximum)."
  type        = number
  default     = 1209600
}

variable "tags" {
  description = "Tags added to every queue."
  type        = map(string)
  default     = {}
}

variable "command_nodes" {
  description = "Host names of the nodes that get a command queue (<name_prefix>-node-<host name, [^A-Za-z0-9_-] -> ->). Nodes not listed receive no commands from the respond function (their own sensor still contains on the fast path)."
  type        = set(string)
  default     = []
}

variable "alerts_event_rule_arns" {
  description = "EventBridge rules allowed to send to the alerts queue (the GuardDuty findings rule of modules/bus)."
  type        = list(string)
  default     = []
}

variable "command_node_instance_ids" {
  description = "EC2 instance id of a host in command_nodes (host name => i-…): its queue is tagged bulwark:instance-arn, the only queue that instance's sensor role may read (modules/iam). A host without one cannot read its queue with the EC2 sensor role."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for id in values(var.command_node_instance_ids) : can(regex("^i-[0-9a-f]{8,17}$", id))])
    error_message = "command_node_instance_ids: every value must be an EC2 instance id (i- and 8-17 hex digits)."
  }
}
