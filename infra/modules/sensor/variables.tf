variable "namespace" {
  description = "Namespace of the sensor DaemonSet and its service account."
  type        = string
  default     = "bulwark"
}

variable "create_namespace" {
  description = "Create the namespace (false when it exists already)."
  type        = bool
  default     = true
}

variable "service_account" {
  description = "Name of the sensor's Kubernetes service account (must match the iam module's sensor_service_account)."
  type        = string
  default     = "bulwark-sensor"
}

variable "irsa_role_arn" {
  description = "Role ARN annotated on the service account for IRSA; null with EKS Pod Identity (the association lives in AWS)."
  type        = string
  default     = null
}

variable "image" {
  description = "Container image of the sensor (with the bulwark launcher and a Java 17+ runtime)."
  type        = string
}

variable "command" {
  description = "Container command (the launcher inside the image)."
  type        = list(string)
  default     = ["/opt/bulwark/bulwark"]
}

variable "args" {
  description = "Arguments of the sensor container's launcher: run the sensor with its durable outbox (the shipper container delivers it)."
  type        = list(string)
  default     = ["up", "--outbox", "/var/lib/bulwark/outbox", "--evidence", "/var/lib/bulwark/evidence", "--commands", "/var/lib/bulwark/commands"]
}

variable "node_key_env" {
  description = "Environment variable whose value the shipper uses as its node name in S3 keys (nodes/<name>/…): BULWARK_POD_NAME with EKS Pod Identity (the role confines the pod to nodes/<pod name>/), BULWARK_NODE_NAME with IRSA."
  type        = string
  default     = "BULWARK_POD_NAME"

  validation {
    condition     = contains(["BULWARK_POD_NAME", "BULWARK_NODE_NAME"], var.node_key_env)
    error_message = "node_key_env must be BULWARK_POD_NAME or BULWARK_NODE_NAME."
  }
}

variable "aws_region" {
  description = "AWS region of the queues, bus and archive."
  type        = string
}

variable "cluster_name" {
  description = "Name of the cluster, written into every alert's node facts."
  type        = string
}

variable "alerts_queue_url" {
  description = "URL of the alerts queue."
  type        = string
}

variable "bus_name" {
  description = "Name of the Bulwark event bus."
  type        = string
}

variable "archive_bucket" {
  description = "Name of the archive bucket (the sensor writes evidence under its node prefix)."
  type        = string
}

variable "command_queue_url" {
  description = "The node's command queue for the shipper (--command-queue-url; Kubernetes expands $(BULWARK_NODE_NAME) in it). null: no command channel on these nodes (the sensor still acts on its fast path)."
  type        = string
  default     = null
}

variable "signing_kms_key_id" {
  description = "Asymmetric KMS key (SIGN_VERIFY) the shipper signs evidence manifests with (--kms-key-id); null: a node key generated under /var/lib/bulwark/keys on the host (--sign-key)."
  type        = string
  default     = null
}

variable "object_lock_days" {
  description = "Object Lock retention the shipper asks for on each evidence object (--object-lock-days; 0: the bucket's default retention applies)."
  type        = number
  default     = 0
}

variable "kubernetes_groups" {
  description = "Kubernetes groups of the functions' access entries (the iam module's kubernetes_groups output); null skips the responders' RBAC."
  type        = map(string)
  default     = null
}

variable "wait_for_rollout" {
  description = "Make terraform apply wait until the DaemonSet's pods are ready on every node."
  type        = bool
  default     = true
}
