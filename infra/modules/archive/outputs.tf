output "bucket_name" {
  description = "Name of the archive bucket."
  value       = aws_s3_bucket.archive.id
}

output "bucket_arn" {
  description = "ARN of the archive bucket."
  value       = aws_s3_bucket.archive.arn
}

output "kms_key_arn" {
  description = "ARN of the archive's KMS key (rotation enabled)."
  value       = aws_kms_key.archive.arn
}

output "logs_bucket_name" {
  description = "Bucket of the archive's access logs and the Athena results."
  value       = aws_s3_bucket.logs.id
}

output "glue_database_name" {
  description = "Glue database of the alerts and incidents tables."
  value       = aws_glue_catalog_database.this.name
}

output "athena_workgroup_name" {
  description = "Athena workgroup to query the archive with."
  value       = aws_athena_workgroup.this.name
}

output "object_lock" {
  description = "Default Object Lock mode and retention (days) of new objects."
  value = {
    mode = var.object_lock_mode
    days = var.object_lock_retention_days
  }
}
