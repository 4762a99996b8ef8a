/** The audit rules: pure functions from what DescribeSecret and GetResourcePolicy said to findings. */
import { analysePolicy } from './resource-policy.js';
import { rotationIntervalMs, rotationWindowMs } from './rotation-schedule.js';
import type { AuditOptions, Finding, SecretFacts } from './types.js';

const DAY_MS = 86_400_000;
const AWS_MANAGED_KEY = 'alias/aws/secretsmanager';

const day = (date: Date) => date.toISOString().slice(0, 10);
const accountOf = (arn: string) => arn.split(':')[4] ?? '';

export function auditSecret(facts: SecretFacts, options: AuditOptions): Finding[] {
  const findings: Finding[] = [];
  const report = (check: Finding['check'], severity: Finding['severity'], detail: string) =>
    findings.push({ secret: facts.name, arn: facts.arn, check, severity, detail });
  const now = options.now.getTime();

  if (facts.deletedDate) {
    // Rotation and usage no longer matter for a secret on its way out; only the deletion itself does.
    report(
      'scheduled-for-deletion',
      'medium',
      `deletion requested; deleted on or after ${day(facts.deletedDate)}`,
    );
    return findings;
  }

  if (!facts.rotationEnabled) {
    report('rotation-disabled', 'medium', 'automatic rotation is not enabled');
  } else {
    const interval = rotationIntervalMs(facts.rotationRules);
    const window = rotationWindowMs(facts.rotationRules);
    const last = facts.lastRotatedDate ?? facts.createdDate;
    const dueByInterval = interval !== undefined && last ? last.getTime() + interval + window : undefined;
    const dueByNext = facts.nextRotationDate ? facts.nextRotationDate.getTime() + window : undefined;
    const due = dueByInterval ?? dueByNext;
    if (due !== undefined && due < now) {
      const lastRotated = facts.lastRotatedDate ? day(facts.lastRotatedDate) : 'never';
      report(
        'rotation-overdue',
        'high',
        `rotation was due by ${day(new Date(due))}; last rotated ${lastRotated}`,
      );
    }
  }

  const stages = facts.versionIdsToStages ?? {};
  const current = Object.keys(stages).find((id) => stages[id]?.includes('AWSCURRENT'));
  const pending = Object.keys(stages).find((id) => stages[id]?.includes('AWSPENDING'));
  if (pending && pending !== current) {
    report('rotation-stuck', 'high', `version ${pending} is still AWSPENDING: a rotation did not finish`);
  }

  const createdLongAgo =
    !facts.createdDate || now - facts.createdDate.getTime() > options.unusedDays * DAY_MS;
  if (!facts.lastAccessedDate && createdLongAgo) {
    report('not-accessed', 'low', `never read, and older than ${options.unusedDays} days`);
  } else if (facts.lastAccessedDate && now - facts.lastAccessedDate.getTime() > options.unusedDays * DAY_MS) {
    report(
      'not-accessed',
      'low',
      `last read ${day(facts.lastAccessedDate)}, over ${options.unusedDays} days ago`,
    );
  }

  if (facts.resourcePolicy) {
    const exposure = analysePolicy(facts.resourcePolicy, accountOf(facts.arn));
    if (exposure.publicAccess === 'unconditional') {
      report('policy-public', 'critical', 'the resource policy allows any principal (*)');
    } else if (exposure.publicAccess === 'conditional') {
      report(
        'policy-public',
        'high',
        'the resource policy allows any principal (*), narrowed only by a condition',
      );
    }
    if (exposure.otherAccounts.length > 0) {
      report(
        'policy-cross-account',
        'high',
        `the resource policy allows account ${exposure.otherAccounts.join(', ')}`,
      );
    }
  }

  if (
    !facts.kmsKeyId ||
    facts.kmsKeyId === AWS_MANAGED_KEY ||
    facts.kmsKeyId.endsWith(`:${AWS_MANAGED_KEY}`)
  ) {
    report(
      'no-customer-managed-key',
      'low',
      'encrypted with the AWS managed key, not a customer managed KMS key',
    );
  }
  return findings;
}
