variable "name_prefix" {
  description = "Prefix of every role name."
  type        = string
}

variable "alerts_queue_arn" {
  description = "ARN of the alerts queue: the sensor sends to it, triage consumes it."
  type        = string
}

variable "node_commands_queue_arn_pattern" {
  description = "ARN pattern of the nodes' command queues (queues module output node_commands_queue_arn_pattern): respond sends, the shippers receive and delete."
  type        = string
}

variable "alerts_dlq_arn" {
  description = "ARN of the alerts queue's dead-letter queue: triage sends poison messages there with their reason."
  type        = string
}

variable "triage_state_prefix" {
  description = "Key prefix of triage's incident store in the archive bucket (BULWARK_TRIAGE_STATE_PREFIX + /)."
  type        = string
  default     = "state/"
}

variable "respond_state_prefix" {
  description = "Key prefix of the response state in the archive bucket (BULWARK_RESPOND_STATE_PREFIX + /)."
  type        = string
  default     = "respond/"
}

variable "incidents_topic_arn" {
  description = "SNS topic notify.sns publishes to (BULWARK_RESPOND_INCIDENT_TOPIC_ARN); null: no sns:Publish."
  type        = string
  default     = null
}

variable "incidents_topic_kms_key_arn" {
  description = "KMS key of the incidents topic (a KMS-encrypted topic needs kms:GenerateDataKey and kms:Decrypt of its publishers)."
  type        = string
  default     = null
}

variable "node_instance_role_arns" {
  description = "IAM roles of the nodes' instance profiles: iam.revoke-sessions may put and delete inline policies on these roles only. Empty: no IAM write is granted."
  type        = list(string)
  default     = []
}

variable "node_instance_profile_arns" {
  description = "Instance profiles of the nodes: iam.revoke-sessions reads them to find the role."
  type        = list(string)
  default     = []
}

variable "sensor_signing_kms_key_arn" {
  description = "Asymmetric KMS key the shipper signs evidence manifests with (ship --kms-key-id); null: the node signs with its own key (--sign-key) and no kms:Sign is granted."
  type        = string
  default     = null
}

variable "functions_dlq_arn" {
  description = "ARN of the functions' dead-letter queue (every function may send to it)."
  type        = string
}

variable "queue_kms_key_arn" {
  description = "KMS key of the queues when they use one; null for SQS-managed encryption."
  type        = string
  default     = null
}

variable "bus_arn" {
  description = "ARN of the Bulwark event bus (events:PutEvents)."
  type        = string
}

variable "archive_bucket_arn" {
  description = "ARN of the archive bucket."
  type        = string
}

variable "archive_kms_key_arn" {
  description = "ARN of the archive's KMS key."
  type        = string
}

variable "archive_prefixes" {
  description = "Key prefixes of the archive each writer is scoped to (no leading slash, trailing slash)."
  type = object({
    alerts    = string
    incidents = string
    audit     = string
    nodes     = string
  })
  default = {
    alerts    = "alerts/"
    incidents = "incidents/"
    audit     = "audit/"
    nodes     = "nodes/"
  }
}

variable "eks_cluster_name" {
  description = "Name of the EKS cluster the sensor runs on and the functions act on; null when there is none (EC2 hosts only)."
  type        = string
  default     = null
}

variable "sensor_identity" {
  description = "How the sensor's pods get AWS credentials: pod_identity (EKS Pod Identity; each pod confined to nodes/<pod name>/ by the session tag) or irsa (OIDC web identity, needs eks_oidc_provider_arn; the whole nodes/ prefix)."
  type        = string
  default     = "pod_identity"

  validation {
    condition     = contains(["pod_identity", "irsa"], var.sensor_identity)
    error_message = "sensor_identity must be pod_identity or irsa."
  }
}

variable "eks_oidc_provider_arn" {
  description = "ARN of the cluster's IAM OIDC provider (IRSA only), e.g. arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE."
  type        = string
  default     = null
}

variable "sensor_namespace" {
  description = "Kubernetes namespace of the sensor DaemonSet."
  type        = string
  default     = "bulwark"
}

variable "sensor_service_account" {
  description = "Kubernetes service account of the sensor DaemonSet."
  type        = string
  default     = "bulwark-sensor"
}

variable "sensor_object_prefix" {
  description = "Archive key prefix (IAM policy variables allowed) the sensor may put objects under; null: nodes/$${aws:PrincipalTag/kubernetes-pod-name}/ with Pod Identity, nodes/ otherwise (IRSA and EC2 sessions carry no node tag)."
  type        = string
  default     = null
}

variable "create_ec2_sensor_role" {
  description = "Also create a role and instance profile for sensors on plain EC2 hosts (systemd units); they may put objects under nodes/."
  type        = bool
  default     = false
}

variable "manifest_signing_key_arn" {
  description = "Asymmetric KMS key (SIGN_VERIFY) that signs the snapshot function's manifest parts (BULWARK_SNAPSHOT_SIGNING_KMS_KEY_ID). null: no kms:Sign is granted."
  type        = string
  default     = null
}

variable "ec2_response_tag" {
  description = "Tag (key and value) the EC2 instances and volumes of the protected fleet carry; respond may isolate and snapshot may snapshot only those. null: no EC2 actions are granted."
  type = object({
    key   = string
    value = string
  })
  default = null
}

variable "respond_secret_arns" {
  description = "Secrets Manager secrets the playbooks reference as arn:aws:secretsmanager:… (Slack webhook, PagerDuty routing key): respond may GetSecretValue on exactly these. Empty: none."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.respond_secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[^*]+$", a))])
    error_message = "respond_secret_arns must be Secrets Manager secret ARNs without wildcards."
  }
}

variable "respond_secret_parameter_arns" {
  description = "SSM parameters the playbooks reference as ssm:/NAME (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME): respond may GetParameter on exactly these. Empty: none."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.respond_secret_parameter_arns : can(regex("^arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter/[^*]+$", a))])
    error_message = "respond_secret_parameter_arns must be SSM parameter ARNs without wildcards."
  }
}

variable "respond_secret_kms_key_arns" {
  description = "Customer-managed KMS keys of those secrets and parameters (kms:Decrypt only via Secrets Manager and SSM). Empty: the AWS-managed keys, which need no grant."
  type        = list(string)
  default     = []
}

variable "quarantine_security_group_ids" {
  description = "The ec2.isolate groups (the two-step swap: the allow-all staging group and the rule-less isolation group, as the playbook names them); empty: respond creates them per VPC, tagged bulwark:purpose."
  type        = list(string)
  default     = []
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary set on every role, or null."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every role."
  type        = map(string)
  default     = {}
}

variable "node_commands_dlq_arn" {
  description = "ARN of the node-commands dead-letter queue (queues module): the node-queue-reaper is denied sqs:DeleteQueue on it. null: no such deny."
  type        = string
  default     = null
}

variable "falcosidekick" {
  description = "falcosidekick's Kubernetes service account, for a role that may only send to the alerts queue (Falco alerts, triaged like the sensor's); same identity kind as the sensor (sensor_identity). null: no role."
  type = object({
    namespace       = optional(string, "falco")
    service_account = optional(string, "falco-falcosidekick")
  })
  default = null
}
