#!/usr/bin/env node
// Static checks of Bulwark's infrastructure code (infra/): what `terraform validate` cannot be run
// for here (its AWS provider cannot be fetched) and what it would not check anyway.
//
//   node infra/test/check.mjs [--infra DIR]      (infra/test/run.sh installs the npm packages)
//
// - terraform fmt -check -recursive (the real terraform);
// - every .tf file parses (@cdktf/hcl2json, HashiCorp's HCL parser);
// - module layout: main.tf, variables.tf, outputs.tf, versions.tf; terraform >= 1.5, hashicorp/aws >= 5;
//   every variable has a description and a type, every output a description;
// - EventBridge rules: every event_pattern is file() of a pattern file of
//   functions/src/main/resources/patterns (the files the Java tests evaluate), and every pattern
//   file is used by a rule of the bus module;
// - every SQS queue that is not a DLQ has a redrive policy, every DLQ is used, every queue is
//   encrypted; every EventBridge target and every Lambda function has a dead-letter queue (and
//   targets a retry policy); the SQS event source reports partial batch failures;
// - the archive bucket: Object Lock (COMPLIANCE by default), versioning, KMS with a rotated key,
//   TLS-only policy, public access blocked, access logging, lifecycle to GLACIER, Glue tables with
//   dt partition projection, an Athena workgroup with encrypted results; every bucket has public
//   access blocked, encryption and a TLS-only policy;
// - IAM: every policy is an aws_iam_policy_document (so it can be read here); no Allow statement
//   has a wildcard action; a Deny may name "service:*" (it only takes permissions away) when it is
//   conditional; no "*" resource except (a) in a KMS key policy, where "*" means the key itself,
//   (b) for actions AWS grants on "*" only (STAR_ONLY_ACTIONS); no public principal in an Allow;
// - the sensor's Kubernetes manifests parse, match the Kubernetes API model (@kubernetes/client-node:
//   an unknown or misspelt field is an error), and the DaemonSet is privileged, hostPID, mounts
//   /sys/kernel/btf, /sys/fs/bpf, /sys/fs/cgroup, /proc and the outbox /var/lib/bulwark from the
//   host, probes /health/live and /health/ready on port 9464, has a memory limit <= 256Mi;
//   the systemd unit keeps BPF working;
// - triage and respond as their code reads them: environment (BULWARK_TRIAGE_*, BULWARK_RESPOND_*,
//   BULWARK_BUS_NAME; the old BULWARK_AUDIT_BUS_NAME / BULWARK_AUDIT_KUBERNETES_* nowhere), the SQS event
//   source (batch 10, maximum concurrency), their IAM (store, DLQ, node queues, SNS, node roles only,
//   tag-scoped EC2, CreateTags only on create, no Secrets Manager), the respond targets (incident,
//   containment = response/…/patterns/containment.json, approval, schedule), GuardDuty findings on the
//   default bus into the alerts queue (its policy by aws:SourceArn), node queue names as respond
//   sanitises them, the respond ClusterRole's exact verbs, the shipper's --evidence with a signing key
//   and --command-queue-url with --commands, the package through S3;
// - who reads a node's command queue: with Pod Identity only <prefix>-node-${aws:PrincipalTag/kubernetes-pod-name},
//   on EC2 only a queue tagged bulwark:instance-arn = ${ec2:SourceInstanceARN} (no create/tag), Terraform's
//   queues tagged so; falcosidekick's role sends to the alerts queue and nothing else, trusted for its own
//   service account; GuardDuty Runtime Monitoring (RUNTIME_MONITORING + EKS_ADDON_MANAGEMENT) opt-in, with
//   the findings rule forced on; the node-queue-reaper: scheduled, concurrency 1, DeleteQueue on
//   <prefix>-node-* only with an explicit Deny on the DLQ, its environment; for pod-named queues its access entry,
//   a Role in the sensor's namespace with exactly get on pods and its RoleBinding, BULWARK_REAPER_SENSOR_NAMESPACE;
// - BULWARK_TF_VALIDATE=1: terraform init -backend=false and terraform validate in examples/complete.
//
// Every failure prints the file and the reason; the exit code is 1 when anything failed.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@cdktf/hcl2json';
import YAML from 'yaml';
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';

const started = Date.now();
const here = path.dirname(fileURLToPath(import.meta.url));
const argIdx = process.argv.indexOf('--infra');
const INFRA = path.resolve(argIdx > 0 ? process.argv[argIdx + 1] : path.join(here, '..'));
const REPO = path.resolve(INFRA, '..');
const PATTERNS = path.join(REPO, 'functions/src/main/resources/patterns');
// the playbooks' match patterns: the default playbook's containment.json is also a bus rule
const RESPONSE_PATTERNS = path.join(REPO, 'response/src/main/resources/patterns');

// Actions AWS authorizes on "*" only (no resource-level permissions).
const STAR_ONLY_ACTIONS = new Set([
  'ec2:DescribeInstances',
  'ec2:DescribeVolumes',
  'ec2:DescribeSnapshots',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeInstanceAttribute',
  'sqs:ListQueues', // the node-queue-reaper lists <prefix>-node-* (QueueNamePrefix is a parameter, not a resource)
]);

// Attributes that hold a policy document, by resource type.
const POLICY_ATTRS = {
  aws_iam_role: ['assume_role_policy'],
  aws_iam_role_policy: ['policy'],
  aws_iam_policy: ['policy'],
  aws_iam_user_policy: ['policy'],
  aws_iam_group_policy: ['policy'],
  aws_s3_bucket_policy: ['policy'],
  aws_sqs_queue_policy: ['policy'],
  aws_sns_topic_policy: ['policy'],
  aws_kms_key: ['policy'],
  aws_cloudwatch_log_resource_policy: ['policy_document'],
  aws_cloudwatch_event_bus_policy: ['policy'],
  aws_secretsmanager_secret_policy: ['policy'],
  aws_ecr_repository_policy: ['policy'],
};

const failures = [];
let checks = 0;
const rel = (p) => path.relative(REPO, p) || '.';
function fail(file, reason) {
  failures.push({ file: rel(file), reason });
}
function check(cond, file, reason) {
  checks++;
  if (!cond) fail(file, reason);
  return !!cond;
}

// ---------------------------------------------------------------------------------------------
// terraform fmt

function terraform(args, cwd, extraEnv = {}) {
  return spawnSync('terraform', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, TF_CLI_CONFIG_FILE: process.env.TF_CLI_CONFIG_FILE ?? '/dev/null', TF_IN_AUTOMATION: '1', ...extraEnv },
  });
}

{
  const r = terraform(['fmt', '-check', '-recursive', '-list=true', INFRA], REPO);
  checks++;
  if (r.error) {
    fail(INFRA, `terraform fmt could not run: ${r.error.message} (install terraform >= 1.5)`);
  } else if (r.status !== 0) {
    const files = (r.stdout || '').split('\n').filter(Boolean);
    if (files.length === 0) fail(INFRA, `terraform fmt -check failed: ${(r.stderr || '').trim()}`);
    for (const f of files) fail(path.resolve(REPO, f), 'not formatted: run terraform fmt -recursive infra');
  }
}

// ---------------------------------------------------------------------------------------------
// parse every .tf file

function walk(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const allFiles = walk(INFRA);
const tfFiles = allFiles.filter((f) => f.endsWith('.tf'));
const parsed = new Map(); // file -> json
for (const f of tfFiles) {
  checks++;
  try {
    parsed.set(f, await parse(path.basename(f), fs.readFileSync(f, 'utf8')));
  } catch (e) {
    fail(f, `does not parse as HCL: ${String(e.message || e).split('\n')[0]}`);
  }
}

// Blocks of one kind across files: resource/data -> {type, name, body, file}
function* blocks(kind, files = parsed.keys()) {
  for (const f of files) {
    const j = parsed.get(f);
    if (!j || !j[kind]) continue;
    for (const [type, byName] of Object.entries(j[kind])) {
      for (const [name, bodies] of Object.entries(byName)) {
        for (const body of bodies) yield { type, name, body, file: f, dir: path.dirname(f) };
      }
    }
  }
}
function* named(kind, files = parsed.keys()) {
  // variable / output: {name: [body]}
  for (const f of files) {
    const j = parsed.get(f);
    if (!j || !j[kind]) continue;
    for (const [name, bodies] of Object.entries(j[kind])) for (const body of bodies) yield { name, body, file: f, dir: path.dirname(f) };
  }
}
const filesIn = (dir) => [...parsed.keys()].filter((f) => path.dirname(f) === dir);
const first = (v) => (Array.isArray(v) ? v[0] : v);
const isExpr = (v) => typeof v === 'string' && v.startsWith('${') && v.endsWith('}');
const dirText = (dir) => filesIn(dir).map((f) => fs.readFileSync(f, 'utf8')).join('\n');

// ---------------------------------------------------------------------------------------------
// module layout, versions, variables, outputs

const moduleDirs = [
  ...fs.readdirSync(path.join(INFRA, 'modules'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(INFRA, 'modules', e.name)),
  ...fs.readdirSync(path.join(INFRA, 'examples'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(INFRA, 'examples', e.name)),
];
for (const m of ['queues', 'bus', 'functions', 'archive', 'iam', 'notify', 'sensor']) {
  check(fs.existsSync(path.join(INFRA, 'modules', m)), path.join(INFRA, 'modules', m), 'module missing');
}
check(fs.existsSync(path.join(INFRA, 'examples/complete')), path.join(INFRA, 'examples/complete'), 'example missing');

for (const dir of moduleDirs) {
  for (const f of ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf']) {
    check(fs.existsSync(path.join(dir, f)), path.join(dir, f), 'missing (modules are shaped like terraform-aws-modules)');
  }
  const versions = parsed.get(path.join(dir, 'versions.tf'));
  if (!versions) continue;
  const tf = first(versions.terraform) || {};
  const rv = tf.required_version || '';
  check(/>=\s*1\.([5-9]|\d\d)/.test(rv), path.join(dir, 'versions.tf'), `required_version must be >= 1.5 (is "${rv}")`);
  const usesAws = [...blocks('resource', filesIn(dir)), ...blocks('data', filesIn(dir))].some((b) => b.type.startsWith('aws_')) || /provider\s+"aws"/.test(dirText(dir));
  const rp = first(tf.required_providers) || {};
  if (usesAws) {
    const aws = rp.aws || {};
    check(aws.source === 'hashicorp/aws', path.join(dir, 'versions.tf'), 'required_providers.aws.source must be hashicorp/aws');
    check(/>=\s*5(\.|$)/.test(aws.version || ''), path.join(dir, 'versions.tf'), `hashicorp/aws must be required >= 5.x (is "${aws.version}")`);
  }
  const usesK8s = [...blocks('resource', filesIn(dir))].some((b) => b.type.startsWith('kubernetes_'));
  if (usesK8s) check((rp.kubernetes || {}).source === 'hashicorp/kubernetes', path.join(dir, 'versions.tf'), 'required_providers.kubernetes.source must be hashicorp/kubernetes');
}

for (const v of named('variable')) {
  check(typeof v.body.description === 'string' && v.body.description.trim().length > 0, v.file, `variable "${v.name}" has no description`);
  check(v.body.type !== undefined, v.file, `variable "${v.name}" has no type`);
}
for (const o of named('output')) {
  check(typeof o.body.description === 'string' && o.body.description.trim().length > 0, o.file, `output "${o.name}" has no description`);
}

// ---------------------------------------------------------------------------------------------
// EventBridge rules are the pattern files

const patternFiles = fs.existsSync(PATTERNS) ? fs.readdirSync(PATTERNS).filter((f) => f.endsWith('.json')).sort() : [];
check(patternFiles.length > 0, PATTERNS, 'no pattern files');
for (const pf of patternFiles) {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(PATTERNS, pf), 'utf8'));
    check(j && typeof j === 'object' && !Array.isArray(j), path.join(PATTERNS, pf), 'a pattern must be a JSON object');
  } catch (e) {
    fail(path.join(PATTERNS, pf), `not JSON: ${e.message}`);
  }
}

// locals { patterns_dir = coalesce(var.patterns_dir, "${path.module}/<relative>") } and response_patterns_dir
const PATTERN_LOCALS = { patterns_dir: PATTERNS, response_patterns_dir: RESPONSE_PATTERNS };
function patternsDirOf(dir, local) {
  for (const f of filesIn(dir)) {
    for (const l of parsed.get(f).locals || []) {
      if (typeof l[local] === 'string') {
        const m = l[local].match(/"\$\{path\.module\}\/([^"]+)"/);
        if (m) return path.resolve(dir, m[1]);
      }
    }
  }
  return null;
}

const busDir = path.join(INFRA, 'modules/bus');
const usedPatterns = new Set(); // absolute paths of pattern files a bus rule uses
const ruleFile = new Map(); // rule name (bus module) -> absolute pattern path
const busRules = new Map(); // rule name (bus module) -> body
for (const r of blocks('resource')) {
  if (r.type !== 'aws_cloudwatch_event_rule') continue;
  const where = `aws_cloudwatch_event_rule.${r.name}`;
  if (r.body.schedule_expression && !r.body.event_pattern) continue;
  const ep = r.body.event_pattern;
  const m = typeof ep === 'string' && ep.match(/^\$\{file\("(.+)"\)\}$/);
  if (!check(m, r.file, `${where}: event_pattern must be file() of a pattern file, not inline JSON (is ${JSON.stringify(ep)?.slice(0, 80)})`)) continue;
  const arg = m[1];
  const lm = arg.match(/^\$\{local\.(patterns_dir|response_patterns_dir)\}\/([\w.-]+\.json)$/);
  if (!check(lm, r.file, `${where}: file() argument must be "\${local.patterns_dir}/<name>.json" or "\${local.response_patterns_dir}/<name>.json" (is ${arg})`)) continue;
  const expected = PATTERN_LOCALS[lm[1]];
  const pdir = patternsDirOf(r.dir, lm[1]);
  if (!check(pdir, r.file, `${where}: no local ${lm[1]} with a "\${path.module}/…" default in this module`)) continue;
  check(path.resolve(pdir) === path.resolve(expected), r.file, `${where}: the default ${lm[1]} resolves to ${rel(pdir)}, not ${rel(expected)}`);
  const pfile = path.join(expected, lm[2]);
  check(fs.existsSync(pfile), r.file, `${where}: pattern file ${lm[2]} does not exist in ${rel(expected)}`);
  if (r.dir === busDir) {
    usedPatterns.add(pfile);
    ruleFile.set(r.name, pfile);
    busRules.set(r.name, r.body);
  }
}
for (const pf of patternFiles) {
  check(usedPatterns.has(path.join(PATTERNS, pf)), path.join(PATTERNS, pf), 'no EventBridge rule of infra/modules/bus uses this pattern file');
}
{
  // the default playbook's match is the rule respond gets alerts from: the same file, read with file()
  const containment = path.join(RESPONSE_PATTERNS, 'containment.json');
  if (check(fs.existsSync(containment), containment, 'the default playbook\'s pattern file is missing')) {
    check(ruleFile.get('containment') === containment, path.join(busDir, 'main.tf'),
      `aws_cloudwatch_event_rule.containment must read ${rel(containment)} with file() (is ${ruleFile.has('containment') ? rel(ruleFile.get('containment')) : 'no such rule'})`);
  }
  // GuardDuty publishes on the account's default bus only
  const gd = busRules.get('guardduty_finding');
  if (check(gd, path.join(busDir, 'main.tf'), 'no aws_cloudwatch_event_rule.guardduty_finding (GuardDuty Runtime Monitoring findings into the alerts queue)')) {
    check(gd.event_bus_name === 'default', path.join(busDir, 'main.tf'), `aws_cloudwatch_event_rule.guardduty_finding must be on the default bus (is ${gd.event_bus_name})`);
    check(ruleFile.get('guardduty_finding') === path.join(PATTERNS, 'guardduty-finding.json'), path.join(busDir, 'main.tf'), 'aws_cloudwatch_event_rule.guardduty_finding must use patterns/guardduty-finding.json');
    try {
      const j = JSON.parse(fs.readFileSync(path.join(PATTERNS, 'guardduty-finding.json'), 'utf8'));
      check(JSON.stringify(j.source) === '["aws.guardduty"]' && JSON.stringify(j['detail-type']) === '["GuardDuty Finding"]', path.join(PATTERNS, 'guardduty-finding.json'),
        'the GuardDuty pattern must match source aws.guardduty, detail-type "GuardDuty Finding"');
    } catch (e) { /* reported above */ }
    const tgt = [...blocks('resource', filesIn(busDir))].find((t) => t.type === 'aws_cloudwatch_event_target' && /aws_cloudwatch_event_rule\.guardduty_finding/.test(String(t.body.rule)));
    check(tgt && tgt.body.arn === '${var.alerts_queue_arn}' && tgt.body.event_bus_name === 'default', path.join(busDir, 'main.tf'),
      'the GuardDuty rule must target var.alerts_queue_arn on the default bus');
  }
}
check(/aws_cloudwatch_event_rule/.test(dirText(busDir)), busDir, 'the bus module has no rules');
{
  // the rule routing Escape Surface Reports reaches the audit-aggregation function
  const ex = dirText(path.join(INFRA, 'examples/complete'));
  check(/rule\s*=\s*"escape_surface_report"[\s\S]{0,200}alias_arns\["audit-aggregation"\]/.test(ex), path.join(INFRA, 'examples/complete/main.tf'),
    'the escape_surface_report rule must target the audit-aggregation function');
}

// ---------------------------------------------------------------------------------------------
// queues, dead-letter queues, async targets

for (const q of blocks('resource')) {
  if (q.type !== 'aws_sqs_queue') continue;
  const where = `aws_sqs_queue.${q.name}`;
  check(q.body.sqs_managed_sse_enabled !== undefined || q.body.kms_master_key_id !== undefined, q.file, `${where}: not encrypted (sqs_managed_sse_enabled or kms_master_key_id)`);
  if (/dlq/i.test(q.name)) {
    const text = dirText(q.dir);
    const ref = new RegExp(`aws_sqs_queue\\.${q.name}\\.arn`);
    check(ref.test(text), q.file, `${where}: a dead-letter queue nothing refers to`);
    check(q.body.redrive_policy === undefined, q.file, `${where}: a DLQ must not redrive further`);
  } else {
    const rp = q.body.redrive_policy;
    check(typeof rp === 'string' && /deadLetterTargetArn/.test(rp) && /aws_sqs_queue\.[\w-]*dlq[\w-]*\.arn/i.test(rp), q.file,
      `${where}: no redrive_policy to a DLQ (every queue that is not a DLQ needs one)`);
  }
}
for (const t of blocks('resource')) {
  if (t.type === 'aws_cloudwatch_event_target') {
    const where = `aws_cloudwatch_event_target.${t.name}`;
    const dlc = first(t.body.dead_letter_config);
    check(dlc && dlc.arn, t.file, `${where}: no dead_letter_config (an SQS DLQ)`);
    check(first(t.body.retry_policy), t.file, `${where}: no retry_policy`);
  }
  if (t.type === 'aws_lambda_function') {
    const dlc = first(t.body.dead_letter_config);
    check(dlc && dlc.target_arn, t.file, `aws_lambda_function.${t.name}: no dead_letter_config (asynchronous invocations)`);
    check(first(t.body.snap_start)?.apply_on === 'PublishedVersions', t.file, `aws_lambda_function.${t.name}: SnapStart (PublishedVersions) expected`);
    check(t.body.publish === true, t.file, `aws_lambda_function.${t.name}: publish = true (SnapStart works on published versions)`);
    check(t.body.reserved_concurrent_executions !== undefined, t.file, `aws_lambda_function.${t.name}: no reserved concurrency`);
    const env = first(t.body.environment)?.variables;
    check(typeof env === 'string' && /QUARKUS_LAMBDA_HANDLER/.test(env) || (env && env.QUARKUS_LAMBDA_HANDLER), t.file, `aws_lambda_function.${t.name}: QUARKUS_LAMBDA_HANDLER not set`);
  }
  if (t.type === 'aws_lambda_event_source_mapping') {
    const frt = t.body.function_response_types;
    check(Array.isArray(frt) && frt.includes('ReportBatchItemFailures'), t.file, `aws_lambda_event_source_mapping.${t.name}: function_response_types must include ReportBatchItemFailures`);
  }
  if (t.type === 'aws_sns_topic') {
    check(t.body.kms_master_key_id !== undefined, t.file, `aws_sns_topic.${t.name}: not KMS-encrypted`);
  }
  if (t.type === 'aws_kms_key') {
    check(t.body.enable_key_rotation === true, t.file, `aws_kms_key.${t.name}: enable_key_rotation must be true`);
  }
  if (t.type === 'aws_cloudwatch_log_group') {
    check(t.body.retention_in_days !== undefined, t.file, `aws_cloudwatch_log_group.${t.name}: no retention`);
  }
}

// ---------------------------------------------------------------------------------------------
// buckets, and the archive in particular

const docsByDir = new Map(); // dir -> name -> {body, file}
for (const d of blocks('data')) {
  if (d.type !== 'aws_iam_policy_document') continue;
  if (!docsByDir.has(d.dir)) docsByDir.set(d.dir, new Map());
  docsByDir.get(d.dir).set(d.name, d);
}
function statementsOf(body) {
  const out = [];
  for (const s of body.statement || []) out.push({ s, dynamic: false });
  const dynamics = Array.isArray(body.dynamic) ? body.dynamic : body.dynamic ? [body.dynamic] : [];
  for (const d of dynamics) for (const dyn of d.statement || []) for (const c of dyn.content || []) out.push({ s: c, dynamic: true });
  return out;
}
function docRef(expr) {
  const m = typeof expr === 'string' && expr.match(/^\$\{data\.aws_iam_policy_document\.([\w-]+)(\[[^\]]+\])?\.json\}$/);
  return m ? m[1] : null;
}
const refTo = (type, name, attr) => new RegExp(`^\\$\\{${type}\\.${name}\\.${attr}\\}$`);

const buckets = [...blocks('resource')].filter((b) => b.type === 'aws_s3_bucket');
const resourcesIn = (dir, type) => [...blocks('resource', filesIn(dir))].filter((b) => b.type === type);
function forBucket(b, type) {
  return resourcesIn(b.dir, type).filter((r) => refTo('aws_s3_bucket', b.name, '(id|bucket)').test(r.body.bucket));
}
function tlsOnly(b) {
  for (const p of forBucket(b, 'aws_s3_bucket_policy')) {
    const doc = docsByDir.get(b.dir)?.get(docRef(p.body.policy));
    if (!doc) continue;
    for (const { s } of statementsOf(doc.body)) {
      if (s.effect === 'Deny' && (s.condition || []).some((c) => c.variable === 'aws:SecureTransport' && (c.values || []).includes('false'))) return true;
    }
  }
  return false;
}
for (const b of buckets) {
  const where = `aws_s3_bucket.${b.name}`;
  const pab = forBucket(b, 'aws_s3_bucket_public_access_block')[0];
  check(pab && ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'].every((k) => pab.body[k] === true), b.file, `${where}: public access not fully blocked`);
  check(forBucket(b, 'aws_s3_bucket_server_side_encryption_configuration').length === 1, b.file, `${where}: no default encryption`);
  check(tlsOnly(b), b.file, `${where}: no bucket policy denying aws:SecureTransport = false`);
  check(forBucket(b, 'aws_s3_bucket_versioning').some((v) => first(v.body.versioning_configuration)?.status === 'Enabled'), b.file, `${where}: versioning not enabled`);
}

const archiveDir = path.join(INFRA, 'modules/archive');
{
  const locked = buckets.filter((b) => b.dir === archiveDir && b.body.object_lock_enabled === true);
  if (check(locked.length === 1, archiveDir, 'the archive module needs exactly one aws_s3_bucket with object_lock_enabled = true')) {
    const b = locked[0];
    const where = `aws_s3_bucket.${b.name}`;
    const lock = forBucket(b, 'aws_s3_bucket_object_lock_configuration')[0];
    const ret = first(first(lock?.body.rule)?.default_retention);
    check(ret && ret.mode && (ret.days !== undefined || ret.years !== undefined), b.file, `${where}: no Object Lock default retention (mode and days)`);
    if (ret && ret.mode) {
      const mode = ret.mode === '${var.object_lock_mode}'
        ? [...named('variable', filesIn(archiveDir))].find((v) => v.name === 'object_lock_mode')?.body.default
        : ret.mode;
      check(mode === 'COMPLIANCE', b.file, `${where}: Object Lock mode must default to COMPLIANCE (is ${mode})`);
    }
    const sse = forBucket(b, 'aws_s3_bucket_server_side_encryption_configuration')[0];
    const dflt = first(first(sse?.body.rule)?.apply_server_side_encryption_by_default);
    check(dflt?.sse_algorithm === 'aws:kms' && /aws_kms_key\.[\w-]+\.(arn|id)/.test(dflt?.kms_master_key_id || ''), b.file, `${where}: default encryption must be aws:kms with this module's KMS key`);
    check(forBucket(b, 'aws_s3_bucket_logging').length === 1, b.file, `${where}: no access logging`);
    const lc = forBucket(b, 'aws_s3_bucket_lifecycle_configuration')[0];
    const glacier = (lc?.body.rule || []).some((r) => (r.transition || []).some((t) => t.storage_class === 'GLACIER'));
    check(glacier, b.file, `${where}: no lifecycle transition to GLACIER`);
    check(b.body.force_destroy !== true, b.file, `${where}: force_destroy must not be true`);
  }
  const tables = resourcesIn(archiveDir, 'aws_glue_catalog_table');
  check(tables.length >= 2, archiveDir, 'Glue tables over alerts/ and incidents/ expected');
  for (const t of tables) {
    const p = t.body.parameters || {};
    check(p['projection.enabled'] === 'true' && p['projection.dt.format'] === 'yyyy-MM-dd' && /dt=\$?\$\{dt\}/.test(p['storage.location.template'] || ''), t.file,
      `aws_glue_catalog_table.${t.name}: dt partition projection (yyyy-MM-dd, dt=\${dt} location template) expected`);
  }
  const wg = resourcesIn(archiveDir, 'aws_athena_workgroup')[0];
  const enc = first(first(first(wg?.body.configuration)?.result_configuration)?.encryption_configuration);
  check(enc && /SSE_KMS|CSE_KMS|SSE_S3/.test(enc.encryption_option || ''), archiveDir, 'Athena workgroup with encrypted results expected');
}

// ---------------------------------------------------------------------------------------------
// IAM

const keyPolicyDocs = new Set(); // `${dir}:${name}`
const trustDocs = new Set(); // assume-role policies: no resources
for (const k of blocks('resource')) {
  if (k.type === 'aws_kms_key' && docRef(k.body.policy)) keyPolicyDocs.add(`${k.dir}:${docRef(k.body.policy)}`);
  if (k.type === 'aws_iam_role' && docRef(k.body.assume_role_policy)) trustDocs.add(`${k.dir}:${docRef(k.body.assume_role_policy)}`);
}
for (const r of blocks('resource')) {
  const attrs = POLICY_ATTRS[r.type];
  if (r.type === 'aws_iam_role' && r.body.inline_policy) fail(r.file, `aws_iam_role.${r.name}: inline_policy blocks are not checked; use aws_iam_role_policy with an aws_iam_policy_document`);
  if (/^aws_iam_(role_)?policy_attachment$|^aws_iam_role_policy_attachments_exclusive$/.test(r.type)) {
    const arn = String(r.body.policy_arn || '');
    check(!/:iam::aws:policy\//.test(arn), r.file, `${r.type}.${r.name}: AWS managed policies are not scoped to Bulwark's ARNs (${arn})`);
  }
  if (!attrs) continue;
  for (const a of attrs) {
    if (r.body[a] === undefined) continue;
    const name = docRef(r.body[a]);
    if (check(name, r.file, `${r.type}.${r.name}.${a}: must be data.aws_iam_policy_document.<name>.json (jsonencode and heredoc policies cannot be checked)`)) {
      check(docsByDir.get(r.dir)?.has(name), r.file, `${r.type}.${r.name}.${a}: data.aws_iam_policy_document.${name} not found in this module`);
    }
  }
}
for (const f of tfFiles) {
  const text = fs.readFileSync(f, 'utf8');
  check(!/["\s]Statement["\s]*[=:]/.test(text), f, 'a policy written as JSON/jsonencode (Statement): use aws_iam_policy_document');
}

const serviceWildcard = /^[a-z0-9-]+:\*$/;
for (const [dir, docs] of docsByDir) {
  for (const [name, d] of docs) {
    const isKeyPolicy = keyPolicyDocs.has(`${dir}:${name}`);
    const isTrust = trustDocs.has(`${dir}:${name}`);
    statementsOf(d.body).forEach(({ s }, i) => {
      const where = `data.aws_iam_policy_document.${name} statement ${s.sid ? `"${s.sid}"` : `#${i + 1}`}`;
      const effect = s.effect || 'Allow';
      checks++;
      if (s.not_actions !== undefined) fail(d.file, `${where}: not_actions grants everything else`);
      if (s.not_resources !== undefined) fail(d.file, `${where}: not_resources`);
      const actions = s.actions;
      if (!Array.isArray(actions)) {
        fail(d.file, `${where}: actions must be a literal list (is ${JSON.stringify(actions)})`);
        return;
      }
      for (const a of actions) {
        if (typeof a !== 'string' || isExpr(a)) fail(d.file, `${where}: action ${JSON.stringify(a)} is an expression`);
        else if (a === '*') fail(d.file, `${where}: wildcard action "*"`);
        else if (serviceWildcard.test(a)) {
          if (!(effect === 'Deny' && (s.condition || []).length > 0)) fail(d.file, `${where}: wildcard action "${a}" (only a conditional Deny may name service:*)`);
        } else if (a.includes('*') && effect === 'Allow') fail(d.file, `${where}: wildcard in action "${a}"`);
      }
      const res = s.resources;
      if (res === undefined) {
        if (!isTrust) fail(d.file, `${where}: no resources`);
        else if (!(s.principals || []).length) fail(d.file, `${where}: a trust statement without principals`);
      } else if (!Array.isArray(res)) {
        if (/"\*"/.test(String(res))) fail(d.file, `${where}: resources expression may yield "*"`);
      } else if (res.includes('*')) {
        const starOnly = effect === 'Allow' && actions.every((a) => STAR_ONLY_ACTIONS.has(a));
        if (!isKeyPolicy && !starOnly) fail(d.file, `${where}: resource "*" where an ARN is known (allowed only in KMS key policies and for ${[...STAR_ONLY_ACTIONS].join(', ')})`);
      }
      if (effect === 'Allow') {
        for (const p of s.principals || []) {
          if ((p.identifiers || []).includes('*') || p.type === '*') fail(d.file, `${where}: Allow to every principal ("*")`);
        }
      }
    });
  }
}

// The sensor's role: send, put, its own prefix; no reads, no deletes on the archive.
{
  const iamDir = path.join(INFRA, 'modules/iam');
  const sensor = docsByDir.get(iamDir)?.get('sensor');
  if (check(sensor, path.join(iamDir, 'main.tf'), 'data.aws_iam_policy_document.sensor missing')) {
    const acts = statementsOf(sensor.body).flatMap(({ s }) => s.actions || []);
    for (const bad of acts.filter((a) => /^s3:(Get|List|Delete)|^s3:PutObject(Retention|LegalHold|Acl)|^sqs:(Delete|Purge)Queue|^sqs:Set|^events:(Put|Delete)Rule/.test(a))) {
      fail(sensor.file, `data.aws_iam_policy_document.sensor: the sensor must not have ${bad}`);
    }
    // docs/archive.md: the shipper writes incidents/…, index/…, keys/… and nodes/<node>/… and nothing else
    const s3 = statementsOf(sensor.body).filter(({ s }) => (s.actions || []).includes('s3:PutObject'));
    const allowed = /\/\$\{each\.value\}\*$|^\$\{local\.(incidents|index|keys)_objects\}$/;
    const bad = s3.flatMap(({ s }) => s.resources || []).filter((r) => !allowed.test(r));
    check(s3.length === 1 && bad.length === 0, sensor.file, `the sensor may put objects only under incidents/, index/, keys/ and its node prefix (not ${bad.join(', ')})`);
    const iamText = dirText(iamDir);
    for (const [l, value] of [['incidents_objects', '${var.archive_prefixes.incidents}'], ['index_objects', 'index/'], ['keys_objects', 'keys/']]) {
      const esc = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      check(new RegExp(`\\b${l}\\s*=\\s*"\\$\\{var\\.archive_bucket_arn\\}/${esc}\\*"`).test(iamText), path.join(iamDir, 'main.tf'),
        `local.${l} must be "\${var.archive_bucket_arn}/${value}*"`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// triage, respond and the command channel, as the functions' code and docs need them

const exampleDir = path.join(INFRA, 'examples/complete');
const exampleMain = path.join(exampleDir, 'main.tf');
const iamDirR = path.join(INFRA, 'modules/iam');
const functionsDir = path.join(INFRA, 'modules/functions');
const queuesDir = path.join(INFRA, 'modules/queues');
{
  // settings renamed by triage: the old names are no longer read by any function
  for (const f of allFiles.filter((x) => /\.(tf|ya?ml|service|md)$/.test(x))) {
    const text = fs.readFileSync(f, 'utf8');
    for (const old of ['BULWARK_AUDIT_BUS_NAME', 'BULWARK_AUDIT_KUBERNETES_']) {
      check(!text.includes(old), f, `${old}… is no longer read (bulwark.bus.* / bulwark.kubernetes.*: BULWARK_BUS_NAME, BULWARK_KUBERNETES_*)`);
    }
  }
  const ex = parsed.get(exampleMain);
  const loc = Object.assign({}, ...((ex && ex.locals) || []));
  const shared = String(loc.function_environment || '');
  check(/BULWARK_BUS_NAME\s*=\s*module\.bus\.bus_name/.test(shared), exampleMain, 'every function needs BULWARK_BUS_NAME = module.bus.bus_name');
  // the functions authenticate to EKS with a token minted from their role (functions' EksTokens): the cluster's name and CA
  check(/BULWARK_KUBERNETES_EKS_CLUSTER_NAME\s*=\s*var\.eks_cluster_name/.test(shared) && /BULWARK_KUBERNETES_CA_CERT_DATA\s*=\s*one\(data\.aws_eks_cluster\.this\[\*\]\.certificate_authority\[0\]\.data\)/.test(shared), exampleMain,
    'with a cluster every function needs BULWARK_KUBERNETES_EKS_CLUSTER_NAME and BULWARK_KUBERNETES_CA_CERT_DATA (EKS tokens from the role)');
  const per = loc.per_function_environment || {};
  // an object literal (parsed) or a merge(...) expression (text): either way as "KEY = expr" lines
  const env = (fn) => (typeof per[fn] === 'object' && per[fn]
    ? Object.entries(per[fn]).map(([k, v]) => `${k} = ${String(v).replace(/^\$\{(.*)\}$/, '$1')}`).join('\n')
    : String(per[fn] || ''));
  check(/BULWARK_TRIAGE_BUCKET\s*=\s*module\.archive\.bucket_name/.test(env('triage')), exampleMain, 'triage needs BULWARK_TRIAGE_BUCKET = the archive bucket');
  check(/BULWARK_TRIAGE_DLQ_URL\s*=\s*module\.queues\.alerts_dlq_url/.test(env('triage')), exampleMain, 'triage needs BULWARK_TRIAGE_DLQ_URL = the alerts queue\'s DLQ');
  for (const [k, v] of [['BULWARK_RESPOND_BUCKET', 'module.archive.bucket_name'], ['BULWARK_RESPOND_COMMANDS_QUEUE_URL', 'module.queues.node_commands_queue_url_template'],
    ['BULWARK_RESPOND_INCIDENT_TOPIC_ARN', 'module.notify.topic_arn'], ['BULWARK_RESPOND_ARCHIVE_BUCKET', 'module.archive.bucket_name']]) {
    check(new RegExp(`${k}\\s*=\\s*${v.replace(/\./g, '\\.')}\\b`).test(env('respond')), exampleMain, `respond needs ${k} = ${v}`);
  }
  check(/BULWARK_SNAPSHOT_BUCKET\s*=\s*module\.archive\.bucket_name/.test(env('snapshot')), exampleMain, 'snapshot needs BULWARK_SNAPSHOT_BUCKET');
  check(/BULWARK_AUDIT_BUCKET\s*=\s*module\.archive\.bucket_name/.test(env('audit-aggregation')), exampleMain, 'audit-aggregation needs BULWARK_AUDIT_BUCKET');
  const fnMod = first((ex?.module || {}).functions);
  check(fnMod && fnMod.function_environment === '${local.per_function_environment}', exampleMain, 'module "functions" must get function_environment = local.per_function_environment');
  // the per-function environment reaches aws_lambda_function.this
  const fn = [...blocks('resource', filesIn(functionsDir))].find((b) => b.type === 'aws_lambda_function');
  check(fn && /var\.function_environment/.test(String(first(fn.body.environment)?.variables)), path.join(functionsDir, 'main.tf'), 'aws_lambda_function.this must merge var.function_environment');
  // the package through S3 (the zip is over Lambda's 50 MB direct upload limit)
  check(fn && fn.body.s3_bucket && fn.body.s3_key && fn.body.filename === undefined, path.join(functionsDir, 'main.tf'), 'aws_lambda_function.this must deploy through S3 (s3_bucket/s3_key, no filename: the zip is over 50 MB)');
  check([...blocks('resource', filesIn(functionsDir))].some((b) => b.type === 'aws_s3_object' && b.body.source), path.join(functionsDir, 'main.tf'), 'the deployment package must be an aws_s3_object');

  // the SQS event source mapping of triage
  const esm = [...blocks('resource', filesIn(functionsDir))].find((b) => b.type === 'aws_lambda_event_source_mapping' && b.name === 'triage');
  if (check(esm, path.join(functionsDir, 'main.tf'), 'no aws_lambda_event_source_mapping.triage (the alerts queue)')) {
    const vars = Object.fromEntries([...named('variable', filesIn(functionsDir))].map((v) => [v.name, v.body]));
    const val = (x) => (typeof x === 'string' && /^\$\{var\.(\w+)\}$/.test(x) ? vars[x.match(/^\$\{var\.(\w+)\}$/)[1]]?.default : x);
    check(val(esm.body.batch_size) === 10, esm.file, `aws_lambda_event_source_mapping.triage: batch size 10 (is ${val(esm.body.batch_size)})`);
    check(esm.body.event_source_arn === '${var.alerts_queue_arn}', esm.file, 'aws_lambda_event_source_mapping.triage must read the alerts queue');
    // AWS: the queue's visibility timeout at least six times the function's timeout, or batches come back while still in work
    const qvars = Object.fromEntries([...named('variable', filesIn(queuesDir))].map((v) => [v.name, v.body]));
    const fnDefaults = vars.functions?.default || {};
    const vis = qvars.alerts_visibility_timeout_seconds?.default;
    const tt = fnDefaults.triage?.timeout;
    check(vis >= 6 * tt, path.join(queuesDir, 'variables.tf'), `alerts queue visibility timeout ${vis} s must be at least 6 x triage's timeout ${tt} s`);
    const mc = val(first(esm.body.scaling_config)?.maximum_concurrency);
    check(Number.isInteger(mc) && mc >= 2, esm.file, `aws_lambda_event_source_mapping.triage: scaling_config.maximum_concurrency expected (2-1000; is ${mc})`);
  }

  // IAM of triage and respond
  const docs = docsByDir.get(iamDirR) || new Map();
  const stmts = (name) => (docs.get(name) ? statementsOf(docs.get(name).body).map(({ s }) => s) : []);
  const grants = (name, action, resource) => stmts(name).some((s) => (s.effect || 'Allow') === 'Allow' && (s.actions || []).includes(action) && (s.resources || []).includes(resource));
  const f = path.join(iamDirR, 'main.tf');
  for (const a of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility']) {
    check(grants('triage', a, '${var.alerts_queue_arn}'), f, `triage: ${a} on the alerts queue (the event source mapping polls with the function's role)`);
  }
  check(grants('triage', 'sqs:SendMessage', '${var.alerts_dlq_arn}'), f, 'triage: sqs:SendMessage on the alerts DLQ (poison messages)');
  for (const a of ['s3:GetObject', 's3:PutObject']) check(grants('triage', a, '${local.triage_state_objects}'), f, `triage: ${a} on the incident store (state/*)`);
  check(grants('function_base', 'events:PutEvents', '${var.bus_arn}'), f, 'every function (triage publishes incidents): events:PutEvents on the bus');
  check(/triage_state_objects\s*=\s*"\$\{var\.archive_bucket_arn\}\/\$\{var\.triage_state_prefix\}\*"/.test(dirText(iamDirR)), f, 'local.triage_state_objects must be the archive bucket under var.triage_state_prefix');
  const respondActs = stmts('respond').flatMap((s) => s.actions || []);
  check(grants('respond', 'sqs:SendMessage', '${var.node_commands_queue_arn_pattern}'), f, 'respond: sqs:SendMessage on the node command queues');
  check(stmts('respond').filter((s) => (s.actions || []).includes('sqs:SendMessage')).every((s) => JSON.stringify(s.resources) === '["${var.node_commands_queue_arn_pattern}"]'), f, 'respond: sqs:SendMessage only on the node command queues');
  check(grants('respond', 'sns:Publish', '${statement.value}') && /for_each\s*=\s*var\.incidents_topic_arn/.test(dirText(iamDirR)), f, 'respond: sns:Publish on the incidents topic only');
  const iamWrites = stmts('respond').filter((s) => (s.actions || []).some((a) => /^iam:(Put|Delete|Attach|Detach|Update|Create)/.test(a)));
  check(iamWrites.length === 1 && JSON.stringify(iamWrites[0].resources) === '"${var.node_instance_role_arns}"', f,
    'respond: iam:PutRolePolicy/DeleteRolePolicy only on var.node_instance_role_arns (the node instance roles)');
  for (const a of ['ec2:ModifyNetworkInterfaceAttribute', 'ec2:ModifyInstanceAttribute', 'ec2:DescribeInstances', 'ec2:DescribeSnapshots', 'ec2:CreateSnapshots', 'ec2:CreateTags']) {
    check(respondActs.includes(a), f, `respond: ${a} (ec2.* executors)`);
  }
  check(stmts('respond').filter((s) => (s.actions || []).includes('ec2:ModifyInstanceAttribute')).every((s) => (s.condition || []).some((c) => /aws:ResourceTag/.test(c.variable))), f,
    'respond: ec2:ModifyInstanceAttribute only on instances carrying the fleet tag');
  check(stmts('respond').filter((s) => (s.actions || []).includes('ec2:CreateTags')).every((s) => (s.condition || []).some((c) => c.variable === 'ec2:CreateAction')), f,
    'respond: ec2:CreateTags only as part of a create call (ec2:CreateAction)');
  // secret references of the playbooks (Secrets Manager ARNs, ssm:/NAME) read at run time: exactly the listed ones
  const smStmts = stmts('respond').filter((s) => (s.actions || []).some((a) => /^secretsmanager:/.test(a)));
  check(smStmts.length === 1 && JSON.stringify(smStmts[0].actions) === '["secretsmanager:GetSecretValue"]' && smStmts[0].resources === '${var.respond_secret_arns}', f,
    'respond: secretsmanager:GetSecretValue only, and only on var.respond_secret_arns (the secrets the playbooks name)');
  const ssmStmts = stmts('respond').filter((s) => (s.actions || []).some((a) => /^ssm:/.test(a)));
  check(ssmStmts.length === 1 && JSON.stringify(ssmStmts[0].actions) === '["ssm:GetParameter"]' && ssmStmts[0].resources === '${var.respond_secret_parameter_arns}', f,
    'respond: ssm:GetParameter only, and only on var.respond_secret_parameter_arns');
  const secretKeys = stmts('respond').filter((s) => s.resources === '${var.respond_secret_kms_key_arns}');
  check(secretKeys.length === 1 && JSON.stringify(secretKeys[0].actions) === '["kms:Decrypt"]'
    && (secretKeys[0].condition || []).some((c) => c.variable === 'kms:ViaService' && (c.values || []).length === 2), f,
    'respond: kms:Decrypt on the secrets\' keys only via Secrets Manager and SSM (kms:ViaService)');
  {
    const iamVars = [...named('variable', filesIn(iamDirR))];
    for (const v of ['respond_secret_arns', 'respond_secret_parameter_arns']) {
      const body = iamVars.find((x) => x.name === v)?.body;
      check(body && JSON.stringify(body.validation || []).includes('[^*]'), path.join(iamDirR, 'variables.tf'), `variable ${v} must refuse wildcard ARNs (validation)`);
    }
  }
  for (const a of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']) check(grants('respond', a, '${local.respond_state_objects}'), f, `respond: ${a} on its state (respond/*)`);

  // the node command queues: a queue per node, named as the respond function names it
  const qText = dirText(queuesDir);
  check(/replace\(n, "\/\[\^A-Za-z0-9_-\]\/", "-"\)/.test(qText), path.join(queuesDir, 'main.tf'), 'node queue names must sanitise the host name as SqsCommandChannel does ([^A-Za-z0-9_-] -> -)');
  check(/node_commands_queue_url_template[\s\S]{0,300}\{node\}/.test(fs.readFileSync(path.join(queuesDir, 'outputs.tf'), 'utf8')), path.join(queuesDir, 'outputs.tf'), 'output node_commands_queue_url_template must hold {node}');

  // the alerts queue admits the GuardDuty rule (EventBridge, aws:SourceArn)
  const qdoc = docsByDir.get(queuesDir)?.get('alerts');
  const allow = qdoc && statementsOf(qdoc.body).map(({ s }) => s).find((s) => (s.effect || 'Allow') === 'Allow' && (s.actions || []).includes('sqs:SendMessage'));
  check(allow && (allow.principals || []).some((p) => p.type === 'Service' && (p.identifiers || []).includes('events.amazonaws.com')) &&
    (allow.condition || []).some((c) => c.variable === 'aws:SourceArn' && /ArnEquals|ArnLike/.test(c.test) && c.values === '${var.alerts_event_rule_arns}'), path.join(queuesDir, 'main.tf'),
    'the alerts queue policy must allow events.amazonaws.com sqs:SendMessage with aws:SourceArn of the GuardDuty rule (var.alerts_event_rule_arns)');
  check(/alerts_event_rule_arns\s*=\s*compact\(\[module\.bus\.guardduty_rule_arn\]\)/.test(fs.readFileSync(exampleMain, 'utf8')), exampleMain, 'module "queues" must get alerts_event_rule_arns = [module.bus.guardduty_rule_arn]');

  // respond is the target of incidents, the containment pattern and approvals
  const bus = first((ex?.module || {}).bus) || {};
  const targets = Object.values(bus.lambda_targets || {}).filter((t) => /alias_arns\["respond"\]/.test(String(t.arn)));
  for (const rule of ['incident', 'containment', 'approval', 'approval_timeouts']) {
    check(targets.some((t) => t.rule === rule), exampleMain, `the respond function must be a target of the ${rule} rule`);
  }
}

// ---------------------------------------------------------------------------------------------
// issue 15's last pieces: per-node command queues, falcosidekick, GuardDuty Runtime Monitoring, the reaper

{
  const f = path.join(iamDirR, 'main.tf');
  const iamText = dirText(iamDirR);
  const docs = docsByDir.get(iamDirR) || new Map();
  const sts = (name) => (docs.get(name) ? statementsOf(docs.get(name).body).map(({ s }) => s) : []);
  const SQS_TAKE = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:ReceiveMessage'];

  // Who can read a node's queue. Pod Identity: the pod-name session tag in the resource; EC2: the
  // queue's instance tag against ec2:SourceInstanceARN; nothing else in the sensor policy takes commands.
  const take = sts('sensor').filter((s) => (s.actions || []).some((a) => SQS_TAKE.includes(a) || a === 'sqs:CreateQueue'));
  const k8s = take.find((s) => s.sid === 'TakeOwnNodeCommands');
  const ec2 = take.find((s) => s.sid === 'TakeOwnInstanceCommands');
  check(take.length === 2 && k8s && ec2, f, `the sensor policy takes commands in exactly two statements, TakeOwnNodeCommands (Kubernetes) and TakeOwnInstanceCommands (EC2) (found ${take.map((s) => s.sid).join(', ') || 'none'})`);
  if (k8s) {
    check(JSON.stringify(k8s.resources) === '["${statement.value}"]', f, 'TakeOwnNodeCommands: resources must be its dynamic value, local.sensor_k8s_command_queue');
  }
  check(/sensor_k8s_command_queue\s*=\s*var\.sensor_identity\s*==\s*"pod_identity"\s*\?\s*"\$\{local\.node_commands_queue_arn_prefix\}\$\$\{aws:PrincipalTag\/kubernetes-pod-name\}"\s*:\s*var\.node_commands_queue_arn_pattern/.test(iamText), f,
    'with Pod Identity a sensor pod may take commands only from <prefix>-node-${aws:PrincipalTag/kubernetes-pod-name} (local.sensor_k8s_command_queue)');
  check(/node_commands_queue_arn_prefix\s*=\s*trimsuffix\(var\.node_commands_queue_arn_pattern, "\*"\)/.test(iamText), f, 'local.node_commands_queue_arn_prefix must be the queue ARN pattern without its "*"');
  check(/for_each\s*=\s*each\.key\s*==\s*"k8s"\s*\?\s*\[local\.sensor_k8s_command_queue\]/.test(iamText), f, 'TakeOwnNodeCommands only in the Kubernetes sensor policy');
  if (ec2) {
    check(!(ec2.actions || []).some((a) => /^sqs:(CreateQueue|TagQueue|UntagQueue|SetQueueAttributes)$/.test(a)), f, 'TakeOwnInstanceCommands: an EC2 host must not create, tag or untag queues (the tag is what binds a queue to its instance)');
    check((ec2.condition || []).some((c) => c.test === 'StringEquals' && c.variable === 'aws:ResourceTag/bulwark:instance-arn' && JSON.stringify(c.values) === '["$${ec2:SourceInstanceARN}"]'), f,
      'TakeOwnInstanceCommands: only the queue whose bulwark:instance-arn tag is the calling instance (aws:ResourceTag/bulwark:instance-arn = ${ec2:SourceInstanceARN})');
    check(/for_each\s*=\s*each\.key\s*==\s*"ec2"\s*\?\s*\[1\]/.test(iamText), f, 'TakeOwnInstanceCommands only in the EC2 sensor policy');
  }
  // the queues Terraform makes carry the tag the EC2 role is checked against, and the reaper's hands-off tag
  const qMain = fs.readFileSync(path.join(queuesDir, 'main.tf'), 'utf8');
  check(/"bulwark:instance-arn"\s*=\s*"\$\{local\.ec2_instance_arn_prefix\}\$\{var\.command_node_instance_ids\[each\.key\]\}"/.test(qMain), path.join(queuesDir, 'main.tf'),
    'a node queue of a host in command_node_instance_ids must be tagged bulwark:instance-arn = its instance ARN');
  check(/ec2_instance_arn_prefix\s*=\s*"arn:\$\{data\.aws_partition\.current\.partition\}:ec2:\$\{data\.aws_region\.current\.id\}:\$\{data\.aws_caller_identity\.current\.account_id\}:instance\/"/.test(qMain), path.join(queuesDir, 'main.tf'),
    'local.ec2_instance_arn_prefix must be arn:<partition>:ec2:<region>:<account>:instance/ (what ec2:SourceInstanceARN holds)');
  check(/"bulwark:managed-by"\s*=\s*"terraform"/.test(qMain), path.join(queuesDir, 'main.tf'), 'Terraform\'s node queues carry bulwark:managed-by = terraform (the reaper leaves them alone)');
  check(/command_node_instance_ids\s*=\s*var\.command_node_instance_ids/.test(fs.readFileSync(exampleMain, 'utf8')), exampleMain, 'module "queues" must get command_node_instance_ids');

  // falcosidekick: a role that can only send to the alerts queue (and use the queue's key)
  const fsk = sts('falcosidekick');
  const fskActs = fsk.flatMap((s) => s.actions || []);
  check(fsk.length > 0 && fskActs.every((a) => ['sqs:SendMessage', 'kms:GenerateDataKey', 'kms:Decrypt'].includes(a)), f, `falcosidekick may only sqs:SendMessage (and use the queue's key), not ${fskActs.filter((a) => !['sqs:SendMessage', 'kms:GenerateDataKey', 'kms:Decrypt'].includes(a)).join(', ')}`);
  check(fsk.filter((s) => (s.actions || []).includes('sqs:SendMessage')).every((s) => JSON.stringify(s.resources) === '["${var.alerts_queue_arn}"]') && fskActs.includes('sqs:SendMessage'), f,
    'falcosidekick: sqs:SendMessage on the alerts queue only');
  const fskRole = [...blocks('resource', filesIn(iamDirR))].find((b) => b.type === 'aws_iam_role' && b.name === 'falcosidekick');
  check(fskRole && docRef(fskRole.body.assume_role_policy) === 'falcosidekick_trust' && /var\.falcosidekick == null \? 0 : 1/.test(String(fskRole.body.count)), f,
    'aws_iam_role.falcosidekick: only with var.falcosidekick, trusted through data.aws_iam_policy_document.falcosidekick_trust');
  check(sts('falcosidekick_trust').some((s) => (s.condition || []).some((c) => /:sub$/.test(c.variable) && /statement\.value\.namespace\}:\$\{statement\.value\.service_account/.test(JSON.stringify(c.values)))), f,
    'falcosidekick\'s IRSA trust must name its own service account (system:serviceaccount:<namespace>:<service account>)');
  check([...blocks('resource', filesIn(iamDirR))].some((b) => b.type === 'aws_eks_pod_identity_association' && b.name === 'falcosidekick' && /aws_iam_role\.falcosidekick\[0\]\.arn/.test(b.body.role_arn)), f,
    'with Pod Identity falcosidekick\'s service account needs its association (aws_eks_pod_identity_association.falcosidekick)');
  check(/falcosidekick\s*=\s*var\.falcosidekick/.test(fs.readFileSync(exampleMain, 'utf8')), exampleMain, 'module "iam" must get falcosidekick = var.falcosidekick');

  // GuardDuty Runtime Monitoring: a detector (or the account's), the feature with the EKS add-on, and the
  // findings rule always on with it
  const gdDir = path.join(INFRA, 'modules/guardduty');
  const gdRes = [...blocks('resource', filesIn(gdDir))];
  const det = gdRes.find((b) => b.type === 'aws_guardduty_detector');
  const feat = gdRes.find((b) => b.type === 'aws_guardduty_detector_feature');
  check(det && det.body.enable === true && /var\.create_detector/.test(String(det.body.count)), path.join(gdDir, 'main.tf'), 'aws_guardduty_detector: enabled, made only with var.create_detector');
  if (check(feat, path.join(gdDir, 'main.tf'), 'no aws_guardduty_detector_feature (RUNTIME_MONITORING)')) {
    check(feat.body.name === 'RUNTIME_MONITORING' && feat.body.status === 'ENABLED', path.join(gdDir, 'main.tf'), `aws_guardduty_detector_feature: RUNTIME_MONITORING ENABLED (is ${feat.body.name} ${feat.body.status})`);
    const eks = (feat.body.additional_configuration || []).find((c) => c.name === 'EKS_ADDON_MANAGEMENT');
    check(eks && /var\.eks_addon_management \? "ENABLED"/.test(String(eks.status)), path.join(gdDir, 'main.tf'), 'aws_guardduty_detector_feature: EKS_ADDON_MANAGEMENT (GuardDuty\'s agent as an EKS add-on), on with var.eks_addon_management');
    const eksDefault = [...named('variable', filesIn(gdDir))].find((v) => v.name === 'eks_addon_management')?.body.default;
    check(eksDefault === true, path.join(gdDir, 'variables.tf'), 'eks_addon_management must default to true');
  }
  const ex = parsed.get(exampleMain);
  const gdMod = first((ex?.module || {}).guardduty);
  check(gdMod && /var\.guardduty_runtime_monitoring \? 1 : 0/.test(String(gdMod.count)), exampleMain, 'module "guardduty" only with var.guardduty_runtime_monitoring (it is billed)');
  const gdDefault = [...named('variable', filesIn(exampleDir))].find((v) => v.name === 'guardduty_runtime_monitoring')?.body.default;
  check(gdDefault === false, path.join(exampleDir, 'variables.tf'), 'guardduty_runtime_monitoring must default to false (opt in: billed per vCPU)');
  const busMod = first((ex?.module || {}).bus) || {};
  check(/var\.guardduty_findings \|\| var\.guardduty_runtime_monitoring/.test(String(busMod.guardduty_findings)), exampleMain, 'with guardduty_runtime_monitoring the findings rule must be on (guardduty_findings = var.guardduty_findings || var.guardduty_runtime_monitoring)');

  // the node-queue-reaper: on a schedule, scoped to <prefix>-node-*, never the DLQ, never a message
  const rp = sts('node_queue_reaper');
  const rpActs = rp.filter((s) => (s.effect || 'Allow') === 'Allow').flatMap((s) => s.actions || []);
  const allowedRp = ['sqs:ListQueues', 'sqs:DeleteQueue', 'sqs:GetQueueAttributes', 'sqs:ListQueueTags', 'ec2:DescribeInstances'];
  check(rpActs.length > 0 && rpActs.every((a) => allowedRp.includes(a)), f, `node-queue-reaper: only ${allowedRp.join(', ')} (not ${rpActs.filter((a) => !allowedRp.includes(a)).join(', ')})`);
  check(rp.filter((s) => (s.effect || 'Allow') === 'Allow' && (s.actions || []).includes('sqs:DeleteQueue')).every((s) => JSON.stringify(s.resources) === '["${var.node_commands_queue_arn_pattern}"]'), f,
    'node-queue-reaper: sqs:DeleteQueue only on the node command queues (var.node_commands_queue_arn_pattern)');
  check(rp.some((s) => s.effect === 'Deny' && (s.actions || []).includes('sqs:DeleteQueue') && JSON.stringify(s.resources) === '["${statement.value}"]') && /for_each\s*=\s*var\.node_commands_dlq_arn == null/.test(iamText), f,
    'node-queue-reaper: an explicit Deny of sqs:DeleteQueue on the node-commands DLQ');
  check(/node_commands_dlq_arn\s*=\s*module\.queues\.node_commands_dlq_arn/.test(fs.readFileSync(exampleMain, 'utf8')), exampleMain, 'module "iam" must get node_commands_dlq_arn (the reaper\'s deny)');
  const fnVars = [...named('variable', filesIn(functionsDir))].find((v) => v.name === 'functions')?.body.default || {};
  check(fnVars['node-queue-reaper']?.reserved_concurrency === 1, path.join(functionsDir, 'variables.tf'), 'node-queue-reaper: reserved concurrency 1 (never two runs deciding on the same queue)');
  const busDefs = [...blocks('resource', filesIn(busDir))];
  const sched = busDefs.find((b) => b.type === 'aws_cloudwatch_event_rule' && b.name === 'node_queue_reaper');
  check(sched && sched.body.schedule_expression === '${var.node_queue_reaper_schedule}', path.join(busDir, 'main.tf'), 'aws_cloudwatch_event_rule.node_queue_reaper: a schedule (var.node_queue_reaper_schedule)');
  check(/node_queue_reaper\s*=\s*"default"/.test(dirText(busDir)), path.join(busDir, 'main.tf'), 'the node_queue_reaper schedule runs on the default bus');
  const reaperTargets = Object.values(busMod.lambda_targets || {}).filter((t) => /alias_arns\["node-queue-reaper"\]/.test(String(t.arn)));
  check(reaperTargets.length === 1 && reaperTargets[0].rule === 'node_queue_reaper', exampleMain, 'the node-queue-reaper function must be the target of the node_queue_reaper rule');
  const loc = Object.assign({}, ...((ex && ex.locals) || []));
  const renv = (loc.per_function_environment || {})['node-queue-reaper'] || {};
  // an object literal (parsed) or a merge(...) expression (text): either way as "KEY = expr" lines
  const renvText = typeof renv === 'object' ? Object.entries(renv).map(([k, v]) => `${k} = ${String(v).replace(/^\$\{(.*)\}$/, '$1')}`).join('\n') : String(renv);
  for (const [k, v] of [['BULWARK_REAPER_QUEUE_PREFIX', 'module.queues.node_commands_queue_name_prefix'], ['BULWARK_REAPER_KEEP_QUEUES', 'module.queues.node_commands_dlq_name']]) {
    check(new RegExp(`${k}\\s*=\\s*${v.replace(/\./g, '\\.')}\\b`).test(renvText), exampleMain, `node-queue-reaper needs ${k} = ${v}`);
  }
  // pod-named queues (Pod Identity): the reaper asks Kubernetes in the sensor's namespace, the one the sensor module gets
  const exText = fs.readFileSync(exampleMain, 'utf8');
  check(/var\.sensor_identity\s*==\s*"pod_identity"\s*\?\s*\{\s*BULWARK_REAPER_SENSOR_NAMESPACE\s*=\s*local\.sensor_namespace\s*\}/.test(renvText), exampleMain,
    'with Pod Identity the node-queue-reaper needs BULWARK_REAPER_SENSOR_NAMESPACE = local.sensor_namespace (pod-named queues are kept forever without it)');
  const sensorMod = first((ex?.module || {}).sensor) || {};
  const iamMod = first((ex?.module || {}).iam) || {};
  check(sensorMod.namespace === '${local.sensor_namespace}' && iamMod.sensor_namespace === '${local.sensor_namespace}' && /sensor_namespace\s*=\s*"[a-z0-9-]+"/.test(exText), exampleMain,
    'module "sensor" (namespace) and module "iam" (sensor_namespace) must get local.sensor_namespace, the namespace the reaper asks');
  // its Kubernetes identity: an access entry whose group the sensor module binds (responders.yaml)
  const entry = iamText.slice(iamText.indexOf('resource "aws_eks_access_entry" "function"'));
  check(iamText.includes('resource "aws_eks_access_entry" "function"') && /"node-queue-reaper"\s*=\s*"bulwark-node-queue-reaper"/.test(entry.slice(0, entry.indexOf('\n}\n'))), f,
    'the node-queue-reaper needs an EKS access entry (aws_eks_access_entry.function) with the group bulwark-node-queue-reaper');
  check(/var\.sensor_identity\s*==\s*"pod_identity"\s*\?\s*\{\s*"node-queue-reaper"\s*=\s*"bulwark-node-queue-reaper"\s*\}\s*:\s*\{\}/.test(entry.slice(0, entry.indexOf('\n}\n'))), f,
    'the node-queue-reaper\'s access entry only with Pod Identity (under IRSA queues are not named by pods and the reaper never asks Kubernetes)');
  check(/output "kubernetes_groups"[\s\S]*?"node-queue-reaper"\s*=\s*"bulwark-node-queue-reaper"/.test(iamText), path.join(iamDirR, 'outputs.tf'),
    'output kubernetes_groups must map node-queue-reaper to bulwark-node-queue-reaper (the group the sensor module binds)');
}

// ---------------------------------------------------------------------------------------------
// the sensor's Kubernetes manifests and systemd unit

const sensorDir = path.join(INFRA, 'modules/sensor');
const MODEL = { ServiceAccount: 'V1ServiceAccount', DaemonSet: 'V1DaemonSet', ClusterRole: 'V1ClusterRole', ClusterRoleBinding: 'V1ClusterRoleBinding', Role: 'V1Role', RoleBinding: 'V1RoleBinding', Namespace: 'V1Namespace' };
const DUMMY = {
  service_account_annotations: '{"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/bulwark-sensor"}',
  command: '["/opt/bulwark/bulwark"]',
  sensor_args: '["up", "--outbox", "/var/lib/bulwark/outbox"]',
  node_key_env: 'BULWARK_POD_NAME',
};

// differences between what we wrote and what the API model keeps: unknown (misspelt) fields
function unknownFields(orig, kept, at = '') {
  const out = [];
  if (orig && typeof orig === 'object' && !Array.isArray(orig)) {
    for (const [k, v] of Object.entries(orig)) {
      if (!kept || typeof kept !== 'object' || !(k in kept)) out.push(`${at}${at ? '.' : ''}${k}`);
      else out.push(...unknownFields(v, kept[k], `${at}${at ? '.' : ''}${k}`));
    }
  } else if (Array.isArray(orig)) {
    orig.forEach((v, i) => out.push(...unknownFields(v, Array.isArray(kept) ? kept[i] : undefined, `${at}[${i}]`)));
  }
  return out;
}

function renderTemplate(file) {
  const text = fs.readFileSync(file, 'utf8');
  const names = new Set([...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
  check(!/%\{/.test(text), file, 'template directives (%{ }) are not supported by this check; pass JSON through a placeholder instead');
  const rendered = text.replace(/\$\{(\w+)\}/g, (_, n) => DUMMY[n] ?? `dummy-${n.replace(/_/g, '-')}`);
  return { names, rendered };
}

function checkManifest(file) {
  const { names, rendered } = renderTemplate(file);
  // every placeholder is given by templatefile() in main.tf
  const main = fs.readFileSync(path.join(sensorDir, 'main.tf'), 'utf8');
  const call = main.slice(main.indexOf(`templatefile("\${path.module}/${path.basename(file)}"`));
  const end = call.search(/\n\s*\}\)/);
  const callBody = end > 0 ? call.slice(0, end) : '';
  for (const n of names) check(new RegExp(`\\b${n}\\s*=`).test(callBody), file, `placeholder \${${n}} is not passed by templatefile() in main.tf`);

  const docs = YAML.parseAllDocuments(rendered);
  const objects = [];
  for (const d of docs) {
    if (d.errors.length) {
      fail(file, `YAML error: ${d.errors[0].message.split('\n')[0]}`);
      continue;
    }
    const o = d.toJS();
    if (o === null) continue;
    objects.push(o);
    const type = MODEL[o.kind];
    if (!check(type, file, `unexpected kind ${o.kind}`)) continue;
    const model = ObjectSerializer.deserialize(o, type, '');
    const kept = JSON.parse(JSON.stringify(ObjectSerializer.serialize(model, type, '')));
    for (const u of unknownFields(o, kept)) fail(file, `${o.kind}/${o.metadata?.name}: "${u}" is not a field of ${type} (misspelt?)`);
  }
  return objects;
}

const manifestObjects = [];
for (const f of ['daemonset.yaml', 'responders.yaml']) {
  const p = path.join(sensorDir, f);
  if (check(fs.existsSync(p), p, 'missing')) manifestObjects.push(...checkManifest(p).map((o) => ({ o, file: p })));
}
{
  const dsFile = path.join(sensorDir, 'daemonset.yaml');
  const dsEntry = manifestObjects.find(({ o }) => o.kind === 'DaemonSet');
  if (check(dsEntry, dsFile, 'no DaemonSet document')) {
    const ds = dsEntry.o;
    const pod = ds.spec?.template?.spec || {};
    const c = (pod.containers || [])[0] || {};
    check(ds.apiVersion === 'apps/v1', dsFile, 'DaemonSet apiVersion must be apps/v1');
    check(pod.hostPID === true, dsFile, 'DaemonSet: hostPID must be true');
    check(c.securityContext?.privileged === true, dsFile, 'DaemonSet: the sensor container must be privileged');
    const sel = ds.spec?.selector?.matchLabels || {};
    const labels = ds.spec?.template?.metadata?.labels || {};
    check(Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v), dsFile, 'DaemonSet: selector does not match the template labels');
    const sa = pod.serviceAccountName;
    check(manifestObjects.some(({ o }) => o.kind === 'ServiceAccount' && o.metadata?.name === sa), dsFile, `DaemonSet: service account ${sa} is not defined in the manifest`);
    // host paths mounted into the container
    const mounted = new Map(); // host path -> mount path
    for (const vm of c.volumeMounts || []) {
      const vol = (pod.volumes || []).find((v) => v.name === vm.name);
      if (!check(vol, dsFile, `DaemonSet: volumeMount ${vm.name} has no volume`)) continue;
      if (vol.hostPath) mounted.set(vol.hostPath.path, vm);
    }
    for (const hp of ['/sys/kernel/btf', '/sys/fs/bpf', '/sys/fs/cgroup', '/proc', '/var/lib/bulwark']) {
      check(mounted.has(hp), dsFile, `DaemonSet: host path ${hp} is not mounted into the sensor container`);
    }
    check(mounted.has('/var/lib/bulwark') && !mounted.get('/var/lib/bulwark').readOnly, dsFile, 'DaemonSet: the outbox /var/lib/bulwark must be writable');
    check(mounted.has('/sys/fs/bpf') && !mounted.get('/sys/fs/bpf').readOnly, dsFile, 'DaemonSet: /sys/fs/bpf must be writable (pinned programs and maps)');
    for (const [probe, p] of [['livenessProbe', '/health/live'], ['readinessProbe', '/health/ready']]) {
      const pr = c[probe];
      if (!check(pr, dsFile, `DaemonSet: no ${probe}`)) continue;
      if (pr.httpGet) {
        check(pr.httpGet.path === p && String(pr.httpGet.port) === '9464', dsFile, `DaemonSet: ${probe} must GET ${p} on port 9464`);
        if (pr.httpGet.host === '127.0.0.1' || pr.httpGet.host === 'localhost') {
          check(pod.hostNetwork === true, dsFile, `DaemonSet: ${probe} on 127.0.0.1 reaches the sensor only with hostNetwork: true`);
        }
      } else if (pr.exec) {
        check((pr.exec.command || []).join(' ').includes(`127.0.0.1:9464${p}`), dsFile, `DaemonSet: ${probe} exec must fetch 127.0.0.1:9464${p}`);
      } else fail(dsFile, `DaemonSet: ${probe} must be httpGet or exec`);
    }
    // the command queue: the shipper polls <prefix>-node-<--node>, the sensor's alerts tell respond that key
    // (detail.node.command_key from BULWARK_COMMAND_KEY); with different keys no command reaches the node
    {
      const env = c.env || [];
      const i = env.findIndex((e) => e.name === 'BULWARK_COMMAND_KEY');
      const keyEnv = DUMMY.node_key_env;
      check(i >= 0 && env[i].value === `$(${keyEnv})`, dsFile,
        `DaemonSet: the sensor needs BULWARK_COMMAND_KEY = "$(\${node_key_env})", the shipper's --node, so respond sends commands to the queue this pod may read`);
      const j = env.findIndex((e) => e.name === keyEnv);
      check(i < 0 || (j >= 0 && j < i), dsFile, `DaemonSet: ${keyEnv} must come before BULWARK_COMMAND_KEY in the sensor's env (Kubernetes expands $(VAR) only from earlier entries)`);
    }
    const mem = c.resources?.limits?.memory;
    const mib = (q) => {
      const m = String(q || '').match(/^(\d+)(Mi|Gi|M|G)?$/);
      if (!m) return NaN;
      return Number(m[1]) * ({ Mi: 1, Gi: 1024, M: 1e6 / 1048576, G: 1e9 / 1048576 }[m[2]] ?? 1 / 1048576);
    };
    check(mem && mib(mem) <= 256, dsFile, `DaemonSet: memory limit must be set and at most 256Mi (is ${mem})`);
    check(c.resources?.requests?.memory && c.resources?.requests?.cpu, dsFile, 'DaemonSet: cpu and memory requests expected');
    // measured (docs/benchmarks.md): sensor 105 MiB steady, 117 peak; shipper 89-90 MiB peak under a 20,000-alert
    // backlog. A limit at the measured peak is an OOM kill waiting to happen: each limit has >= 25% headroom over
    // its peak, and the pod together stays within 320Mi of the node.
    const limits = (pod.containers || []).map((k) => mib(k.resources?.limits?.memory));
    const total = limits.reduce((a, b) => a + b, 0);
    check(limits.every((l) => l > 0) && total <= 320, dsFile, `DaemonSet: every container needs a memory limit, together at most 320Mi (${limits.join(' + ')} MiB)`);
    const peaks = { sensor: 117, shipper: 90 };
    for (const k of pod.containers || []) {
      const peak = peaks[k.name];
      if (peak) check(mib(k.resources?.limits?.memory) >= peak * 1.25, dsFile, `DaemonSet: ${k.name} memory limit ${k.resources?.limits?.memory} leaves under 25% headroom over its measured ${peak} MiB peak`);
    }
  }
}
{
  const unit = path.join(sensorDir, 'bulwark-sensor.service');
  if (check(fs.existsSync(unit), unit, 'missing systemd unit for plain EC2 hosts')) {
    const lines = fs.readFileSync(unit, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const kv = new Map(lines.filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    check(lines.includes('[Service]') && kv.has('ExecStart'), unit, 'no [Service] ExecStart');
    check(kv.has('MemoryMax'), unit, 'no MemoryMax');
    check(/^(yes|true)$/.test(kv.get('NoNewPrivileges') || ''), unit, 'NoNewPrivileges=yes expected');
    for (const [k, why] of [['MemoryDenyWriteExecute', 'the JIT writes code'], ['ProtectKernelTunables', 'makes /sys read-only (BPF pinning)'], ['ProtectControlGroups', 'the freeze action writes cgroup.freeze'], ['PrivatePIDs', 'the sensor needs the host PID namespace']]) {
      check(!/^(yes|true)$/.test(kv.get(k) || ''), unit, `${k}=yes breaks the sensor: ${why}`);
    }
    const caps = kv.get('CapabilityBoundingSet');
    if (caps) for (const cap of ['CAP_BPF', 'CAP_PERFMON', 'CAP_SYS_ADMIN']) check(caps.includes(cap), unit, `CapabilityBoundingSet must keep ${cap}`);
  }
}

// the respond ClusterRole: exactly the verbs the k8s executors use
{
  const file = path.join(sensorDir, 'responders.yaml');
  const role = manifestObjects.find(({ o }) => o.kind === 'ClusterRole' && o.metadata?.name === 'bulwark-respond')?.o;
  const want = { '/pods': ['delete', 'get', 'patch'], '/nodes': ['get', 'patch'], 'networking.k8s.io/networkpolicies': ['create', 'delete', 'get', 'update'] };
  if (check(role, file, 'no ClusterRole bulwark-respond')) {
    const got = {};
    for (const r of role.rules || []) for (const g of r.apiGroups || []) for (const res of r.resources || []) got[`${g}/${res}`] = [...new Set([...(got[`${g}/${res}`] || []), ...(r.verbs || [])])].sort();
    check(JSON.stringify(Object.keys(got).sort()) === JSON.stringify(Object.keys(want).sort()), file, `ClusterRole bulwark-respond: resources must be ${Object.keys(want).join(', ')} (are ${Object.keys(got).join(', ')})`);
    for (const [k, v] of Object.entries(want)) check(JSON.stringify(got[k]) === JSON.stringify(v), file, `ClusterRole bulwark-respond: ${k} verbs must be exactly ${v.join(',')} (are ${(got[k] || []).join(',')})`);
    check(!(role.rules || []).some((r) => [...(r.verbs || []), ...(r.resources || []), ...(r.apiGroups || [])].includes('*')), file, 'ClusterRole bulwark-respond: no wildcards');
  }
}
// the node-queue-reaper: exactly get on pods, in the sensor's namespace only, bound to its access entry's group
{
  const file = path.join(sensorDir, 'responders.yaml');
  const mainTf = path.join(sensorDir, 'main.tf');
  const main = fs.readFileSync(mainTf, 'utf8');
  const NAME = 'bulwark-node-queue-reaper';
  const ns = 'dummy-namespace'; // ${namespace}, rendered
  const group = 'dummy-reaper-group'; // ${reaper_group}, rendered
  const role = manifestObjects.find(({ o }) => /Role$/.test(o.kind) && !/Binding$/.test(o.kind) && o.metadata?.name === NAME)?.o;
  if (check(role, file, `no Role ${NAME}`)) {
    check(role.kind === 'Role', file, `${NAME} must be a Role (namespaced), not a ${role.kind}: the reaper may read pods in the sensor's namespace only`);
    check(role.metadata?.namespace === ns, file, `Role ${NAME} must be in the sensor's namespace (\${namespace}), is ${role.metadata?.namespace}`);
    const rules = role.rules || [];
    check(rules.length === 1 && JSON.stringify(rules[0].apiGroups) === '[""]' && JSON.stringify(rules[0].resources) === '["pods"]' && JSON.stringify(rules[0].verbs) === '["get"]'
      && !rules[0].resourceNames && !rules[0].nonResourceURLs, file,
      `Role ${NAME}: exactly get on pods (core group), nothing else (is ${JSON.stringify(rules)})`);
    check(!rules.some((r) => [...(r.verbs || []), ...(r.resources || []), ...(r.apiGroups || [])].includes('*')), file, `Role ${NAME}: no wildcards`);
  }
  const bindings = manifestObjects.filter(({ o }) => /RoleBinding$/.test(o.kind) && (o.subjects || []).some((x) => x.name === group)).map(({ o }) => o);
  check(bindings.length === 1 && bindings[0].kind === 'RoleBinding' && bindings[0].metadata?.namespace === ns && bindings[0].roleRef?.kind === 'Role' && bindings[0].roleRef?.name === NAME
    && bindings[0].subjects.length === 1 && bindings[0].subjects[0].kind === 'Group', file,
    `the reaper's group (\${reaper_group}) must be bound once, by a RoleBinding in the sensor's namespace to the Role ${NAME} (found ${bindings.map((b) => `${b.kind}/${b.metadata?.name} in ${b.metadata?.namespace} -> ${b.roleRef?.kind}/${b.roleRef?.name}`).join(', ') || 'none'})`);
  const call = main.slice(main.indexOf('templatefile("${path.module}/responders.yaml"'));
  const callBody = call.slice(0, call.search(/\n\s*\}\)/));
  check(/reaper_group\s*=\s*var\.kubernetes_groups\["node-queue-reaper"\]/.test(callBody) && /\bnamespace\s*=\s*var\.namespace\b/.test(callBody), mainTf,
    'responders.yaml needs reaper_group = var.kubernetes_groups["node-queue-reaper"] and namespace = var.namespace (the DaemonSet\'s)');
  check(/namespaced_rbac\s*=\s*\{\s*for k, d in local\.documents : k => d if contains\(\["Role", "RoleBinding"\], d\.kind\)\s*\}/.test(main)
    && [...blocks('resource', filesIn(sensorDir))].some((b) => b.type === 'kubernetes_manifest' && b.name === 'namespaced_rbac' && /local\.namespaced_rbac/.test(String(b.body.for_each))), mainTf,
    'the Role and RoleBinding must be applied: kubernetes_manifest.namespaced_rbac over local.namespaced_rbac (Role, RoleBinding)');
}
// the shipper: evidence with a signing key, the command channel flags together; the sensor with its spools
{
  const main = fs.readFileSync(path.join(sensorDir, 'main.tf'), 'utf8');
  const sa = main.slice(main.indexOf('shipper_args = concat('), main.indexOf('shipper_args = concat(') + 1500);
  check(/"--evidence", "\/var\/lib\/bulwark\/evidence"/.test(sa), path.join(sensorDir, 'main.tf'), 'the shipper must upload the evidence spool (--evidence /var/lib/bulwark/evidence)');
  check(/\["--sign-key", [^\]]+\]\s*:\s*\["--kms-key-id", var\.signing_kms_key_id\]/.test(sa), path.join(sensorDir, 'main.tf'), 'the shipper needs --sign-key or --kms-key-id with --evidence (ship refuses to start without one)');
  check(/"--command-queue-url", var\.command_queue_url, "--commands", "\/var\/lib\/bulwark\/commands"/.test(sa), path.join(sensorDir, 'main.tf'), 'the shipper\'s --command-queue-url goes with --commands /var/lib/bulwark/commands');
  const dflt = [...named('variable', filesIn(sensorDir))].find((v) => v.name === 'args')?.body.default || [];
  for (const [o, d] of [['--evidence', '/var/lib/bulwark/evidence'], ['--commands', '/var/lib/bulwark/commands']]) {
    check(dflt[dflt.indexOf(o) + 1] === d && dflt.includes(o), path.join(sensorDir, 'variables.tf'), `the sensor's default args need ${o} ${d}`);
  }
  const ship = fs.readFileSync(path.join(sensorDir, 'bulwark-ship.service'), 'utf8');
  check(/ExecStart=.*--evidence \/var\/lib\/bulwark\/evidence \$BULWARK_SIGNING_ARGS/.test(ship), path.join(sensorDir, 'bulwark-ship.service'), 'bulwark-ship.service: --evidence with $BULWARK_SIGNING_ARGS');
  const iamText = dirText(path.join(INFRA, 'modules/iam'));
  check(/sid\s*=\s*"SignEvidenceManifests"[\s\S]{0,120}actions\s*=\s*\["kms:GetPublicKey", "kms:Sign"\][\s\S]{0,60}resources\s*=\s*\[statement\.value\]/.test(iamText), path.join(INFRA, 'modules/iam/main.tf'),
    'the sensor role needs kms:Sign on the signing key (and only that key) when KMS signs');
}

// ---------------------------------------------------------------------------------------------
// terraform init + validate, where a provider registry is reachable

if (process.env.BULWARK_TF_VALIDATE === '1') {
  const ex = path.join(INFRA, 'examples/complete');
  // providers and module links in a temporary data dir, not in the checkout
  const data = { TF_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-tf-')) };
  const init = terraform(['init', '-backend=false', '-input=false', '-no-color'], ex, data);
  checks++;
  if (init.error || init.status !== 0) {
    fail(ex, `terraform init -backend=false failed: ${(init.error?.message || init.stderr || init.stdout || '').trim().split('\n').slice(-8).join(' | ')}`);
  } else {
    const v = terraform(['validate', '-no-color'], ex, data);
    checks++;
    if (v.status !== 0) fail(ex, `terraform validate failed: ${(v.stderr || v.stdout).trim().split('\n').join(' | ')}`);
  }
  fs.rmSync(data.TF_DATA_DIR, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------

const secs = ((Date.now() - started) / 1000).toFixed(1);
for (const f of failures) console.log(`FAIL ${f.file}: ${f.reason}`);
console.log(
  `infra check: ${tfFiles.length} .tf files, ${patternFiles.length} pattern files, ${manifestObjects.length} manifest objects; ` +
  `${checks} checks, ${failures.length} failed (${secs} s)` + (process.env.BULWARK_TF_VALIDATE === '1' ? '' : '; terraform validate skipped (BULWARK_TF_VALIDATE=1 runs it)'),
);
process.exit(failures.length ? 1 : 0);
