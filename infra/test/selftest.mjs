#!/usr/bin/env node
// Proves that check.mjs fails on broken input: each case copies infra/ and the pattern files into
// a temporary directory, breaks one thing, runs check.mjs on the copy and expects exit code 1 with
// the expected reason. A case whose text to break is no longer in the files fails too, so the
// cases cannot silently go stale.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const INFRA = path.resolve(here, '..');
const REPO = path.resolve(INFRA, '..');
const PATTERNS_REL = 'functions/src/main/resources/patterns';

const replace = (file, from, to) => ({ file, from, to });
const CASES = [
  { name: 'wildcard action', edit: replace('modules/iam/main.tf', 'sid       = "SendAlerts"\n    effect    = "Allow"\n    actions   = ["sqs:SendMessage"]', 'sid       = "SendAlerts"\n    effect    = "Allow"\n    actions   = ["sqs:*"]'), expect: 'wildcard action "sqs:*"' },
  { name: 'bare * action', edit: replace('modules/iam/main.tf', 'actions   = ["s3:GetObject", "s3:PutObject"]\n    resources = [local.audit_objects]', 'actions   = ["*"]\n    resources = [local.audit_objects]'), expect: 'wildcard action "*"' },
  { name: 'bare * resource', edit: replace('modules/iam/main.tf', 'resources = [var.alerts_queue_arn]\n  }\n\n  statement {\n    sid       = "WriteAlertAndIncidentLines"', 'resources = ["*"]\n  }\n\n  statement {\n    sid       = "WriteAlertAndIncidentLines"'), expect: 'resource "*" where an ARN is known' },
  { name: 'sensor may read the archive', edit: replace('modules/iam/main.tf', 'sid       = "PutObjectsUnderOwnNodePrefix"\n    effect    = "Allow"\n    actions   = ["s3:PutObject"]', 'sid       = "PutObjectsUnderOwnNodePrefix"\n    effect    = "Allow"\n    actions   = ["s3:GetObject", "s3:PutObject"]'), expect: 'the sensor must not have s3:GetObject' },
  { name: 'policy through jsonencode', edit: replace('modules/iam/main.tf', 'policy = data.aws_iam_policy_document.triage.json', 'policy = jsonencode({ Statement = [] })'), expect: 'must be data.aws_iam_policy_document' },
  { name: 'inline event pattern', edit: replace('modules/bus/main.tf', 'event_pattern  = file("${local.patterns_dir}/escape-surface-report.json")', 'event_pattern  = jsonencode({ source = ["bulwark.sensor"] })'), expect: 'event_pattern must be file()' },
  { name: 'pattern file no rule uses', add: { file: `../${PATTERNS_REL}/unused-pattern.json`, text: '{"source": ["bulwark.sensor"]}\n' }, expect: 'no EventBridge rule of infra/modules/bus uses this pattern file' },
  { name: 'queue without redrive', edit: replace('modules/queues/main.tf', '  redrive_policy = jsonencode({\n    deadLetterTargetArn = aws_sqs_queue.alerts_dlq.arn\n    maxReceiveCount     = var.alerts_max_receive_count\n  })\n', ''), expect: 'aws_sqs_queue.alerts: no redrive_policy' },
  { name: 'event target without DLQ', edit: replace('modules/bus/main.tf', '  arn            = each.value.arn\n\n  retry_policy {\n    maximum_retry_attempts       = var.maximum_retry_attempts\n    maximum_event_age_in_seconds = var.maximum_event_age_in_seconds\n  }\n\n  dead_letter_config {\n    arn = aws_sqs_queue.targets_dlq.arn\n  }\n', '  arn            = each.value.arn\n\n  retry_policy {\n    maximum_retry_attempts       = var.maximum_retry_attempts\n    maximum_event_age_in_seconds = var.maximum_event_age_in_seconds\n  }\n'), expect: 'aws_cloudwatch_event_target.lambda: no dead_letter_config' },
  { name: 'function without DLQ', edit: replace('modules/functions/main.tf', '  dead_letter_config {\n    target_arn = var.dead_letter_queue_arn\n  }\n', ''), expect: 'aws_lambda_function.this: no dead_letter_config' },
  { name: 'archive without Object Lock', edit: replace('modules/archive/main.tf', 'object_lock_enabled = true', 'object_lock_enabled = false'), expect: 'object_lock_enabled = true' },
  { name: 'archive without KMS', edit: replace('modules/archive/main.tf', 'sse_algorithm     = "aws:kms"\n      kms_master_key_id = aws_kms_key.archive.arn', 'sse_algorithm     = "AES256"\n      kms_master_key_id = aws_kms_key.archive.arn'), expect: 'default encryption must be aws:kms' },
  { name: 'variable without description', edit: replace('modules/queues/variables.tf', '  description = "Retention of every dead-letter queue (seconds; 14 days is the SQS maximum)."\n', ''), expect: 'variable "dlq_message_retention_seconds" has no description' },
  { name: 'variable without type', edit: replace('modules/bus/variables.tf', '  description = "Retention of the alert log group (days)."\n  type        = number\n', '  description = "Retention of the alert log group (days)."\n'), expect: 'variable "log_retention_days" has no type' },
  { name: 'unformatted HCL', edit: replace('modules/queues/outputs.tf', 'value       = var.kms_key_arn', 'value = var.kms_key_arn'), expect: 'not formatted' },
  { name: 'misspelt DaemonSet field', edit: replace('modules/sensor/daemonset.yaml', 'hostPID: true', 'hostPid: true'), expect: '"spec.template.spec.hostPid" is not a field of V1DaemonSet' },
  { name: 'DaemonSet not privileged', edit: replace('modules/sensor/daemonset.yaml', 'privileged: true', 'privileged: false'), expect: 'must be privileged' },
  { name: 'outbox not mounted', edit: replace('modules/sensor/daemonset.yaml', 'path: /var/lib/bulwark\n', 'path: /var/lib/other\n'), expect: 'host path /var/lib/bulwark is not mounted' },
  { name: 'BTF not mounted', edit: replace('modules/sensor/daemonset.yaml', '            - name: btf\n              mountPath: /sys/kernel/btf\n              readOnly: true\n', ''), expect: 'host path /sys/kernel/btf is not mounted' },
  { name: 'readiness probe path', edit: replace('modules/sensor/daemonset.yaml', 'path: /health/ready', 'path: /ready'), expect: 'readinessProbe must GET /health/ready' },
  { name: 'broken YAML', edit: replace('modules/sensor/daemonset.yaml', '  template:\n    metadata:', '  template:\n   metadata:\n  - x'), expect: 'YAML error' },
  { name: 'systemd unit breaking the JIT', edit: replace('modules/sensor/bulwark-sensor.service', 'LockPersonality=yes\n', 'LockPersonality=yes\nMemoryDenyWriteExecute=yes\n'), expect: 'MemoryDenyWriteExecute=yes breaks the sensor' },
];

function copyTree(src, dst) {
  fs.mkdirSync(dst, { recursive: true });
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.terraform')) continue;
    const s = path.join(src, e.name);
    const d = path.join(dst, e.name);
    if (e.isDirectory()) copyTree(s, d);
    else fs.copyFileSync(s, d);
  }
}

function run(args) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (status) => resolve({ status, out }));
  });
}

async function runCase(c) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-infra-selftest-'));
  try {
    copyTree(INFRA, path.join(tmp, 'infra'));
    copyTree(path.join(REPO, PATTERNS_REL), path.join(tmp, PATTERNS_REL));
    if (c.edit) {
      const f = path.join(tmp, 'infra', c.edit.file);
      const text = fs.readFileSync(f, 'utf8');
      if (!text.includes(c.edit.from)) return `FAIL self-test "${c.name}": the text to break is no longer in infra/${c.edit.file}; update the case`;
      fs.writeFileSync(f, text.replace(c.edit.from, c.edit.to));
    }
    if (c.add) fs.writeFileSync(path.join(tmp, 'infra', c.add.file), c.add.text);
    const r = await run([path.join(here, 'check.mjs'), '--infra', path.join(tmp, 'infra')]);
    if (r.status === 1 && r.out.includes(c.expect)) return `ok   self-test "${c.name}": check fails with "${c.expect}"`;
    return `FAIL self-test "${c.name}": expected exit 1 and "${c.expect}", got exit ${r.status}:\n${r.out.trim().split('\n').map((l) => `     ${l}`).join('\n')}`;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const started = Date.now();
const results = new Array(CASES.length);
let next = 0;
const workers = Array.from({ length: Math.max(1, Math.min(4, os.cpus().length)) }, async () => {
  while (next < CASES.length) {
    const i = next++;
    results[i] = await runCase(CASES[i]);
  }
});
await Promise.all(workers);
const failed = results.filter((r) => r.startsWith('FAIL')).length;
for (const r of results) console.log(r);
console.log(`infra self-test: ${CASES.length} broken inputs, ${CASES.length - failed} caught, ${failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
process.exit(failed ? 1 : 0);
