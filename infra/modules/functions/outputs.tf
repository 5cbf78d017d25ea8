output "function_names" {
  description = "Lambda function names by handler name."
  value       = { for k, f in aws_lambda_function.this : k => f.function_name }
}

output "function_arns" {
  description = "Unqualified function ARNs by handler name."
  value       = { for k, f in aws_lambda_function.this : k => f.arn }
}

output "alias_arns" {
  description = "ARNs of the aliases (the published SnapStart versions) by handler name: what triggers invoke."
  value       = { for k, a in aws_lambda_alias.this : k => a.arn }
}

output "alias_name" {
  description = "Name of the alias every function has."
  value       = var.alias_name
}

output "log_group_names" {
  description = "Log group of each function."
  value       = { for k, g in aws_cloudwatch_log_group.this : k => g.name }
}

output "package_bucket" {
  description = "Bucket holding the deployment package."
  value       = aws_s3_bucket.packages.id
}

output "package_version_id" {
  description = "S3 version of the deployed package."
  value       = aws_s3_object.package.version_id
}
