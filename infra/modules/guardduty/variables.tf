variable "create_detector" {
  description = "Create the region's GuardDuty detector; false when the account has one already (pass detector_id)."
  type        = bool
  default     = true
}

variable "detector_id" {
  description = "The existing detector to enable Runtime Monitoring on (create_detector = false)."
  type        = string
  default     = null
}

variable "finding_publishing_frequency" {
  description = "How often GuardDuty publishes updates of existing findings to EventBridge (new findings go out within about 5 minutes): FIFTEEN_MINUTES, ONE_HOUR or SIX_HOURS."
  type        = string
  default     = "FIFTEEN_MINUTES"

  validation {
    condition     = contains(["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"], var.finding_publishing_frequency)
    error_message = "finding_publishing_frequency must be FIFTEEN_MINUTES, ONE_HOUR or SIX_HOURS."
  }
}

variable "eks_addon_management" {
  description = "Let GuardDuty install and update its runtime agent as an EKS add-on (EKS_ADDON_MANAGEMENT); false: you manage the aws-guardduty-agent add-on."
  type        = bool
  default     = true
}

variable "ecs_fargate_agent_management" {
  description = "Also let GuardDuty manage its agent on ECS Fargate tasks (ECS_FARGATE_AGENT_MANAGEMENT)."
  type        = bool
  default     = false
}

variable "ec2_agent_management" {
  description = "Also let GuardDuty manage its agent on plain EC2 instances through SSM (EC2_AGENT_MANAGEMENT)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to the detector."
  type        = map(string)
  default     = {}
}
