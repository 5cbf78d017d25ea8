variable "name_prefix" {
  description = "Prefix of the bucket, key, Glue and Athena names."
  type        = string
}

variable "object_lock_mode" {
  description = "Default Object Lock mode of new objects: COMPLIANCE (nobody, not even the account root, can delete or shorten it before it expires) or GOVERNANCE (users with s3:BypassGovernanceRetention can; for trial accounts only)."
  type        = string
  default     = "COMPLIANCE"

  validation {
    condition     = contains(["COMPLIANCE", "GOVERNANCE"], var.object_lock_mode)
    error_message = "object_lock_mode must be COMPLIANCE or GOVERNANCE."
  }
}

variable "object_lock_retention_days" {
  description = "Default retention of every new object (days). In COMPLIANCE mode every object, and so the bucket, lives at least this long: it is a commitment."
  type        = number
  default     = 365
}

variable "glacier_transition_days" {
  description = "Age at which objects move to the GLACIER (Flexible Retrieval) storage class (days)."
  type        = number
  default     = 90
}

variable "noncurrent_version_expiration_days" {
  description = "Age of a non-current version after which it expires, once its retention allows (days)."
  type        = number
  default     = 400
}

variable "log_expiration_days" {
  description = "Age at which access logs and Athena results in the log bucket expire (days)."
  type        = number
  default     = 365
}

variable "kms_deletion_window_days" {
  description = "Waiting period before the archive KMS key is deleted after scheduling (7-30 days)."
  type        = number
  default     = 30
}

variable "kms_key_user_arns" {
  description = "IAM principals (role ARNs) allowed to use the archive key through the key policy itself, in addition to IAM policies of this account."
  type        = list(string)
  default     = []
}

variable "alerts_prefix" {
  description = "Key prefix of the alert JSON lines (partitions under <prefix>dt=yyyy-MM-dd/)."
  type        = string
  default     = "alerts/"
}

variable "incidents_prefix" {
  description = "Key prefix of the incident JSON lines (partitions under <prefix>dt=yyyy-MM-dd/; the evidence folders incidents/<yyyy>/<mm>/<dd>/<id>/ are not read by Athena)."
  type        = string
  default     = "incidents/"
}

variable "projection_start_date" {
  description = "First dt partition Athena's partition projection considers (yyyy-MM-dd)."
  type        = string
  default     = "2026-01-01"
}

variable "athena_bytes_scanned_cutoff" {
  description = "Most bytes one Athena query of the workgroup may scan (a cost guard)."
  type        = number
  default     = 10737418240
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
