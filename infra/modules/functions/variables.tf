variable "name_prefix" {
  description = "Prefix of the function, log group and bucket names."
  type        = string
}

variable "package_file" {
  description = "Path of the functions' deployment zip (built by Maven in functions/target); null means the repository's functions/target/function.zip."
  type        = string
  default     = null
}

variable "functions" {
  description = "The functions by name (the name is also QUARKUS_LAMBDA_HANDLER): memory, timeout, reserved concurrency (-1: none) and extra environment."
  type = map(object({
    memory_size          = number
    timeout              = number
    reserved_concurrency = number
    environment          = optional(map(string), {})
  }))
  default = {
    triage = {
      memory_size          = 1024
      timeout              = 30
      reserved_concurrency = 5
    }
    respond = {
      memory_size          = 1024
      timeout              = 60
      reserved_concurrency = 2
    }
    snapshot = {
      memory_size          = 1024
      timeout              = 300
      reserved_concurrency = 2
    }
    audit-aggregation = {
      memory_size          = 1024
      timeout              = 60
      reserved_concurrency = 2
    }
    # one run at a time: the hourly schedule, never two reapers deciding on the same queue
    node-queue-reaper = {
      memory_size          = 512
      timeout              = 120
      reserved_concurrency = 1
    }
  }

  validation {
    condition     = length(setsubtract(["triage", "respond", "snapshot", "audit-aggregation", "node-queue-reaper"], keys(var.functions))) == 0
    error_message = "functions must define triage, respond, snapshot, audit-aggregation and node-queue-reaper."
  }
}

variable "role_arns" {
  description = "Execution role ARN of each function, by function name (from the iam module)."
  type        = map(string)
}

variable "dead_letter_queue_arn" {
  description = "SQS queue receiving asynchronous invocations that failed every retry."
  type        = string
}

variable "alerts_queue_arn" {
  description = "ARN of the alerts queue the triage function consumes."
  type        = string
}

variable "environment" {
  description = "Environment variables of every function (bus name, bucket, queue URLs …); per-function values in var.functions win."
  type        = map(string)
  default     = {}
}

variable "function_environment" {
  description = "Environment of one function, by function name (triage's BULWARK_TRIAGE_*, respond's BULWARK_RESPOND_* …); over var.environment, under var.functions[*].environment."
  type        = map(map(string))
  default     = {}
}

variable "runtime" {
  description = "Lambda managed runtime (SnapStart needs a Java runtime)."
  type        = string
  default     = "java21"
}

variable "architecture" {
  description = "Instruction set of the functions: x86_64 or arm64."
  type        = string
  default     = "x86_64"
}

variable "alias_name" {
  description = "Alias pointing at the published (SnapStart) version; triggers invoke the alias."
  type        = string
  default     = "live"
}

variable "log_retention_days" {
  description = "Retention of the functions' log groups (days)."
  type        = number
  default     = 90
}

variable "log_kms_key_arn" {
  description = "KMS key ARN for the functions' log groups; null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null
}

variable "maximum_retry_attempts" {
  description = "Lambda's own retries of a failed asynchronous invocation (0-2) before the DLQ."
  type        = number
  default     = 2
}

variable "maximum_event_age_in_seconds" {
  description = "Age after which Lambda stops retrying an asynchronous event (60-21600)."
  type        = number
  default     = 3600
}

variable "triage_batch_size" {
  description = "Alerts per triage invocation."
  type        = number
  default     = 10
}

variable "triage_batching_window_seconds" {
  description = "How long the event source mapping gathers alerts before invoking triage (seconds)."
  type        = number
  default     = 1
}

variable "triage_maximum_concurrency" {
  description = "Most concurrent triage invocations the SQS event source starts (2-1000); keep it at or under triage's reserved concurrency."
  type        = number
  default     = 5
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
