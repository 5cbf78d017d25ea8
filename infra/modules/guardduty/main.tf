# GuardDuty Runtime Monitoring, a second opinion beside the sensor: GuardDuty's own agent on the EKS
# nodes (the add-on it manages with EKS_ADDON_MANAGEMENT) reports runtime findings to the account's
# default bus, where modules/bus's guardduty_finding rule sends them to the alerts queue and triage
# (patterns/guardduty-finding.json, docs/triage.md).
#
# An account has one detector per region. create_detector = true makes it here; an account that has
# one already (or whose detector an organization's administrator manages) passes its detector_id and
# only the feature is set on it. Runtime Monitoring is billed per vCPU monitored (docs/deploy.md,
# "Cost drivers").

resource "aws_guardduty_detector" "this" {
  count = var.create_detector ? 1 : 0

  enable                       = true
  finding_publishing_frequency = var.finding_publishing_frequency
  tags                         = var.tags
}

locals {
  detector_id = var.create_detector ? aws_guardduty_detector.this[0].id : var.detector_id
}

resource "aws_guardduty_detector_feature" "runtime_monitoring" {
  detector_id = local.detector_id
  name        = "RUNTIME_MONITORING"
  status      = "ENABLED"

  # GuardDuty installs and updates its security agent as an EKS add-on on every cluster
  additional_configuration {
    name   = "EKS_ADDON_MANAGEMENT"
    status = var.eks_addon_management ? "ENABLED" : "DISABLED"
  }

  additional_configuration {
    name   = "ECS_FARGATE_AGENT_MANAGEMENT"
    status = var.ecs_fargate_agent_management ? "ENABLED" : "DISABLED"
  }

  additional_configuration {
    name   = "EC2_AGENT_MANAGEMENT"
    status = var.ec2_agent_management ? "ENABLED" : "DISABLED"
  }

  lifecycle {
    precondition {
      condition     = var.create_detector || var.detector_id != null
      error_message = "Without create_detector, detector_id must name the account's GuardDuty detector in this region."
    }
  }
}
