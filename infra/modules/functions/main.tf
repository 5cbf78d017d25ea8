# The four functions of functions/: one deployment zip (Quarkus' function.zip, uploaded to S3),
# one Lambda function per handler name, selected at run time by QUARKUS_LAMBDA_HANDLER.
# SnapStart restores a snapshot of the initialised JVM, so every trigger invokes an alias that
# points at a published version.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  package_file = coalesce(var.package_file, "${path.module}/../../../functions/target/function.zip")
  handler      = "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest"
}

# --- the deployment package ------------------------------------------------------------------

resource "aws_s3_bucket" "packages" {
  bucket = "${var.name_prefix}-packages-${data.aws_caller_identity.current.account_id}-${data.aws_region.current.id}"
  tags   = var.tags
}

resource "aws_s3_bucket_versioning" "packages" {
  bucket = aws_s3_bucket.packages.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "packages" {
  bucket = aws_s3_bucket.packages.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "packages" {
  bucket                  = aws_s3_bucket.packages.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "packages" {
  bucket = aws_s3_bucket.packages.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

data "aws_iam_policy_document" "packages" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.packages.arn, "${aws_s3_bucket.packages.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "packages" {
  bucket = aws_s3_bucket.packages.id
  policy = data.aws_iam_policy_document.packages.json

  depends_on = [aws_s3_bucket_public_access_block.packages]
}

resource "aws_s3_bucket_lifecycle_configuration" "packages" {
  bucket = aws_s3_bucket.packages.id

  rule {
    id     = "old-packages"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days           = 30
      newer_noncurrent_versions = 5
    }
  }

  depends_on = [aws_s3_bucket_versioning.packages]
}

resource "aws_s3_object" "package" {
  bucket      = aws_s3_bucket.packages.id
  key         = "functions/function.zip"
  source      = local.package_file
  source_hash = filemd5(local.package_file)
  tags        = var.tags

  depends_on = [aws_s3_bucket_versioning.packages, aws_s3_bucket_server_side_encryption_configuration.packages]
}

# --- functions ---------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "this" {
  for_each = var.functions

  name              = "/aws/lambda/${var.name_prefix}-${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  for_each = var.functions

  function_name = "${var.name_prefix}-${each.key}"
  description   = "Bulwark ${each.key} (QUARKUS_LAMBDA_HANDLER=${each.key})"
  role          = var.role_arns[each.key]
  runtime       = var.runtime
  handler       = local.handler
  architectures = [var.architecture]
  memory_size   = each.value.memory_size
  timeout       = each.value.timeout

  s3_bucket         = aws_s3_object.package.bucket
  s3_key            = aws_s3_object.package.key
  s3_object_version = aws_s3_object.package.version_id

  reserved_concurrent_executions = each.value.reserved_concurrency
  publish                        = true

  snap_start {
    apply_on = "PublishedVersions"
  }

  environment {
    # QUARKUS_LAMBDA_HANDLER last: it always names this function's handler
    variables = merge(var.environment, lookup(var.function_environment, each.key, {}), each.value.environment, {
      QUARKUS_LAMBDA_HANDLER = each.key
    })
  }

  dead_letter_config {
    target_arn = var.dead_letter_queue_arn
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this[each.key].name
  }

  tags = var.tags
}

resource "aws_lambda_alias" "this" {
  for_each = var.functions

  name             = var.alias_name
  description      = "Published SnapStart version of ${each.key}"
  function_name    = aws_lambda_function.this[each.key].function_name
  function_version = aws_lambda_function.this[each.key].version
}

resource "aws_lambda_function_event_invoke_config" "this" {
  for_each = var.functions

  function_name                = aws_lambda_function.this[each.key].function_name
  qualifier                    = aws_lambda_alias.this[each.key].name
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = var.maximum_event_age_in_seconds
}

# --- triage consumes the alerts queue ----------------------------------------------------------

resource "aws_lambda_event_source_mapping" "triage" {
  event_source_arn                   = var.alerts_queue_arn
  function_name                      = aws_lambda_alias.this["triage"].arn
  batch_size                         = var.triage_batch_size
  maximum_batching_window_in_seconds = var.triage_batching_window_seconds
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.triage_maximum_concurrency
  }
}
