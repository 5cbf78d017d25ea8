# The sensor on an EKS cluster: daemonset.yaml (service account, RBAC, DaemonSet) rendered with
# templatefile and applied document by document with kubernetes_manifest, plus the RBAC the
# functions' access entries map to (responders.yaml). For plain EC2 hosts use
# bulwark-sensor.service (docs/deploy.md).

locals {
  manifest = templatefile("${path.module}/daemonset.yaml", {
    namespace                   = var.namespace
    service_account             = var.service_account
    service_account_annotations = jsonencode(var.irsa_role_arn == null ? {} : { "eks.amazonaws.com/role-arn" = var.irsa_role_arn })
    image                       = var.image
    command                     = jsonencode(var.command)
    sensor_args                 = jsonencode(var.args)
    node_key_env                = var.node_key_env
    aws_region                  = var.aws_region
    cluster_name                = var.cluster_name
    alerts_queue_url            = var.alerts_queue_url
    bus_name                    = var.bus_name
    archive_bucket              = var.archive_bucket
    shipper_args                = jsonencode(local.shipper_args)
  })

  # the shipper: outbox to SQS/EventBridge/S3; evidence spool to the archive, manifests signed by KMS
  # (--kms-key-id) or by a node key kept on the host (--sign-key; ship refuses --evidence without
  # one); node commands from this node's queue into the sensor's spool when a URL is given
  shipper_args = concat(
    [
      "ship",
      "--outbox", "/var/lib/bulwark/outbox",
      "--queue-url", "$(BULWARK_ALERTS_QUEUE_URL)",
      "--bus", "$(BULWARK_BUS_NAME)",
      "--bucket", "$(BULWARK_ARCHIVE_BUCKET)",
      "--node", "$(${var.node_key_env})",
      "--region", "$(AWS_REGION)",
      "--metrics-port", "9465",
      "--evidence", "/var/lib/bulwark/evidence",
    ],
    var.signing_kms_key_id == null ? ["--sign-key", "/var/lib/bulwark/keys/manifest.pem"] : ["--kms-key-id", var.signing_kms_key_id],
    var.object_lock_days > 0 ? ["--object-lock-days", tostring(var.object_lock_days)] : [],
    var.command_queue_url == null ? [] : ["--command-queue-url", var.command_queue_url, "--commands", "/var/lib/bulwark/commands"],
  )

  responders = var.kubernetes_groups == null ? "" : templatefile("${path.module}/responders.yaml", {
    respond_group  = var.kubernetes_groups["respond"]
    snapshot_group = var.kubernetes_groups["snapshot"]
    audit_group    = var.kubernetes_groups["audit-aggregation"]
    reaper_group   = var.kubernetes_groups["node-queue-reaper"]
    namespace      = var.namespace
  })

  # one object per YAML document; a document of comments only decodes to null
  decoded   = [for d in split("\n---\n", "${local.manifest}\n---\n${local.responders}") : yamldecode(d)]
  documents = { for d in local.decoded : "${d.kind}/${d.metadata.name}" => d if d != null }

  cluster_scoped = { for k, d in local.documents : k => d if contains(["ClusterRole", "ClusterRoleBinding"], d.kind) }
  # RBAC confined to the sensor's namespace (the node-queue-reaper's get on pods)
  namespaced_rbac = { for k, d in local.documents : k => d if contains(["Role", "RoleBinding"], d.kind) }
}

resource "kubernetes_manifest" "namespace" {
  count = var.create_namespace ? 1 : 0

  manifest = {
    apiVersion = "v1"
    kind       = "Namespace"
    metadata = {
      name = var.namespace
      labels = {
        "app.kubernetes.io/part-of" = "bulwark"
        # the sensor is privileged by necessity; Pod Security Admission must admit it here
        "pod-security.kubernetes.io/enforce" = "privileged"
      }
    }
  }
}

resource "kubernetes_manifest" "cluster_scoped" {
  for_each = local.cluster_scoped

  manifest = each.value
}

resource "kubernetes_manifest" "namespaced_rbac" {
  for_each = local.namespaced_rbac

  manifest = each.value

  depends_on = [kubernetes_manifest.namespace]
}

resource "kubernetes_manifest" "service_account" {
  manifest = local.documents["ServiceAccount/${var.service_account}"]

  depends_on = [kubernetes_manifest.namespace]
}

resource "kubernetes_manifest" "daemonset" {
  manifest = local.documents["DaemonSet/bulwark-sensor"]

  dynamic "wait" {
    for_each = var.wait_for_rollout ? [1] : []

    content {
      rollout = true
    }
  }

  timeouts {
    create = "10m"
    update = "10m"
  }

  depends_on = [kubernetes_manifest.service_account, kubernetes_manifest.cluster_scoped]
}
