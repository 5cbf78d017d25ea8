variable "region" {
  description = "AWS region of the whole deployment (the EKS cluster's region)."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of every resource name (1-20 lowercase letters, digits, hyphens)."
  type        = string
  default     = "bulwark"
}

variable "eks_cluster_name" {
  description = "Name of the EKS cluster to protect; null deploys the AWS side only (sensors on EC2 hosts, or the cluster later)."
  type        = string
  default     = null
}

variable "sensor_image" {
  description = "Container image of the sensor; null skips the DaemonSet."
  type        = string
  default     = null
}

variable "sensor_identity" {
  description = "pod_identity (EKS Pod Identity; needs the eks-pod-identity-agent add-on) or irsa (needs eks_oidc_provider_arn)."
  type        = string
  default     = "pod_identity"
}

variable "eks_oidc_provider_arn" {
  description = "ARN of the cluster's IAM OIDC provider, for sensor_identity = irsa."
  type        = string
  default     = null
}

variable "create_ec2_sensor_role" {
  description = "Also create the instance profile for sensors on plain EC2 hosts (systemd unit)."
  type        = bool
  default     = false
}

variable "package_file" {
  description = "The functions' deployment zip; null means functions/target/function.zip of this repository (build it first)."
  type        = string
  default     = null
}

variable "archive_object_lock_mode" {
  description = "Object Lock mode of the archive: COMPLIANCE (nobody can delete an object before its retention ends) or GOVERNANCE (trial accounts)."
  type        = string
  default     = "COMPLIANCE"
}

variable "archive_retention_days" {
  description = "Default Object Lock retention of archived objects (days). With COMPLIANCE, the bucket cannot be emptied or deleted before the newest object's retention ends."
  type        = number
  default     = 30
}

variable "queue_kms_key_arn" {
  description = "Customer managed KMS key for the queues; null uses SQS-managed encryption."
  type        = string
  default     = null
}

variable "alert_emails" {
  description = "Email addresses subscribed to the notification topic."
  type        = list(string)
  default     = []
}

variable "slack_token_secret_id" {
  description = "Secrets Manager secret holding the Slack bot token; null disables Slack."
  type        = string
  default     = null
}

variable "slack_channel" {
  description = "Slack channel ID for alerts."
  type        = string
  default     = ""
}

variable "pagerduty_routing_key_secret_id" {
  description = "Secrets Manager secret holding the PagerDuty Events v2 routing key; null disables PagerDuty."
  type        = string
  default     = null
}

variable "manifest_signing_key_arn" {
  description = "Asymmetric KMS key (SIGN_VERIFY, ECC_NIST_P256) that signs the snapshot function's manifest parts; null: the function cannot start (it signs every part)."
  type        = string
  default     = null
}

variable "ec2_response_tag" {
  description = "Tag (key, value) on the fleet's instances and volumes that respond may isolate and snapshot may snapshot; null grants no EC2 actions."
  type = object({
    key   = string
    value = string
  })
  default = null
}

variable "quarantine_security_group_ids" {
  description = "The ec2.isolate groups (the two-step swap: the allow-all staging group and the rule-less isolation group, as the playbook names them); empty: respond creates them per VPC, tagged bulwark:purpose."
  type        = list(string)
  default     = []
}

variable "functions_kubernetes_enabled" {
  description = "Let the functions call the cluster's API (BULWARK_KUBERNETES_ENABLED; respond's k8s.* steps with BULWARK_RESPOND_KUBERNETES_ENABLED). The functions authenticate with EKS tokens minted from their roles (BULWARK_KUBERNETES_EKS_CLUSTER_NAME)."
  type        = bool
  default     = true
}

variable "respond_dry_run" {
  description = "Every respond step a dry run (recorded, nothing changed): BULWARK_RESPOND_DRY_RUN. To try playbooks on a live fleet first: true, read the audit records, then false."
  type        = bool
  default     = false
}

variable "respond_secret_arns" {
  description = "Secrets Manager secret ARNs the playbooks reference directly (webhook: \"arn:aws:secretsmanager:…:secret:bulwark/notify-AbCdEf#slack\"), read by respond at run time: the secret stays out of the Terraform state and the function's environment. respond may read exactly these."
  type        = list(string)
  default     = []
}

variable "respond_secret_parameter_arns" {
  description = "SSM parameter ARNs the playbooks reference as ssm:/NAME (SecureString works), read by respond at run time; respond may read exactly these."
  type        = list(string)
  default     = []
}

variable "respond_secret_kms_key_arns" {
  description = "Customer-managed KMS keys of those secrets and parameters (empty: AWS-managed keys)."
  type        = list(string)
  default     = []
}

variable "respond_secret_environment" {
  description = "Secrets a playbook references as env:NAME, by variable name: Secrets Manager secret id or ARN (e.g. { SLACK_WEBHOOK_URL = \"bulwark/slack-webhook\" }). Set in the respond function's environment."
  type        = map(string)
  default     = {}
}

variable "command_nodes" {
  description = "Host names of the nodes that get a command queue (<name_prefix>-node-<host>): respond's node.* steps reach only these nodes."
  type        = set(string)
  default     = []
}

variable "sensor_command_queue_url" {
  description = "The DaemonSet shipper's --command-queue-url; null: the queues module's per-node template (<prefix>-node-{node}), which each shipper expands to its host name and creates at start, so autoscaled nodes get their channel."
  type        = string
  default     = null
}

variable "guardduty_findings" {
  description = "Send GuardDuty Runtime Monitoring findings (default bus) to the alerts queue for triage (guardduty_runtime_monitoring turns this on too)."
  type        = bool
  default     = true
}

variable "node_instance_role_arns" {
  description = "IAM roles of the nodes' instance profiles: iam.revoke-sessions may put and delete inline policies on these roles only."
  type        = list(string)
  default     = []
}

variable "node_instance_profile_arns" {
  description = "Instance profiles of the nodes (iam.revoke-sessions reads them to find the role)."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "command_node_instance_ids" {
  description = "EC2 instance id of each host in command_nodes (host name => i-…): its queue is tagged with the instance, and the EC2 sensor role reads only the queue of the instance it runs on (ec2:SourceInstanceARN). Needed for every host in command_nodes with create_ec2_sensor_role."
  type        = map(string)
  default     = {}
}

variable "falcosidekick" {
  description = "falcosidekick's service account ({ namespace, service_account }, defaults falco / falco-falcosidekick) for a role that may only send to the alerts queue; same identity kind as the sensor (sensor_identity). null: no role."
  type = object({
    namespace       = optional(string, "falco")
    service_account = optional(string, "falco-falcosidekick")
  })
  default = null
}

variable "guardduty_runtime_monitoring" {
  description = "Enable GuardDuty Runtime Monitoring with its EKS add-on (billed per monitored vCPU); its findings go to triage whatever guardduty_findings says."
  type        = bool
  default     = false
}

variable "guardduty_detector_id" {
  description = "The region's existing GuardDuty detector (one per account and region); null: guardduty_runtime_monitoring creates it."
  type        = string
  default     = null
}

variable "guardduty_eks_addon_management" {
  description = "Let GuardDuty install and update its agent as an EKS add-on (EKS_ADDON_MANAGEMENT)."
  type        = bool
  default     = true
}

variable "node_queue_reaper_min_age" {
  description = "The node-queue-reaper never deletes a queue younger than this (ISO-8601 duration, e.g. PT24H): a node just booting is not yet in EC2's answers as running."
  type        = string
  default     = "PT24H"
}

variable "node_queue_reaper_max_deletions" {
  description = "At most this many queues deleted per run; the rest wait for the next (a wrong EC2 answer cannot empty the fleet's channel at once)."
  type        = number
  default     = 10
}

variable "node_queue_reaper_dry_run" {
  description = "The node-queue-reaper only says what it would delete (audit records with dry_run: true)."
  type        = bool
  default     = false
}
