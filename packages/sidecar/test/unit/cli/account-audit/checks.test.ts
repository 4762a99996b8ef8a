import { describe, expect, it } from 'vitest';
import { auditSecret } from '../../../../src/cli/account-audit/checks.js';
import { buildReport, failsAt, formatTable } from '../../../../src/cli/account-audit/report.js';
import type { SecretFacts } from '../../../../src/cli/account-audit/types.js';

const now = new Date('2026-11-28T12:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
const options = { now, unusedDays: 90 };

/** A secret with nothing to report: rotated on schedule, read yesterday, a customer key, no policy. */
const healthy: SecretFacts = {
  arn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:app/db-AbCdEf',
  name: 'app/db',
  createdDate: daysAgo(400),
  kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  rotationEnabled: true,
  rotationRules: { AutomaticallyAfterDays: 30 },
  lastRotatedDate: daysAgo(10),
  lastAccessedDate: daysAgo(1),
  versionIdsToStages: { v2: ['AWSCURRENT'], v1: ['AWSPREVIOUS'] },
};
const checksOf = (facts: SecretFacts) => auditSecret(facts, options).map((finding) => finding.check);

describe('auditSecret', () => {
  it('reports nothing for a well-kept secret', () => {
    expect(auditSecret(healthy, options)).toEqual([]);
  });

  it('reports rotation disabled', () => {
    expect(checksOf({ ...healthy, rotationEnabled: false })).toEqual(['rotation-disabled']);
  });

  it('reports rotation overdue from the interval, a rate() schedule, or a past NextRotationDate', () => {
    expect(checksOf({ ...healthy, lastRotatedDate: daysAgo(45) })).toEqual(['rotation-overdue']);
    const rate = {
      ...healthy,
      rotationRules: { ScheduleExpression: 'rate(7 days)' },
      lastRotatedDate: daysAgo(9),
    };
    expect(checksOf(rate)).toEqual(['rotation-overdue']);
    expect(checksOf({ ...rate, lastRotatedDate: daysAgo(6) })).toEqual([]);
    const cron = { ...healthy, rotationRules: { ScheduleExpression: 'cron(0 4 ? * SUN *)' } };
    expect(checksOf({ ...cron, nextRotationDate: daysAgo(3) })).toEqual(['rotation-overdue']);
    expect(checksOf({ ...cron, nextRotationDate: daysAgo(-3) })).toEqual([]);
  });

  it('counts the rotation window before calling a rotation overdue', () => {
    const rules = { AutomaticallyAfterDays: 30, Duration: '4h' };
    expect(
      checksOf({
        ...healthy,
        rotationRules: rules,
        lastRotatedDate: new Date(now.getTime() - 30 * 86_400_000 - 3 * 3_600_000),
      }),
    ).toEqual([]);
    expect(
      checksOf({
        ...healthy,
        rotationRules: rules,
        lastRotatedDate: new Date(now.getTime() - 30 * 86_400_000 - 5 * 3_600_000),
      }),
    ).toEqual(['rotation-overdue']);
  });

  it('reports a rotation stuck with AWSPENDING on another version', () => {
    const stuck = { ...healthy, versionIdsToStages: { v2: ['AWSCURRENT'], v3: ['AWSPENDING'] } };
    expect(auditSecret(stuck, options)).toEqual([
      expect.objectContaining({
        check: 'rotation-stuck',
        severity: 'high',
        detail: expect.stringContaining('v3'),
      }),
    ]);
    // AWSPENDING on the AWSCURRENT version is how a finished rotation may look: not stuck.
    expect(checksOf({ ...healthy, versionIdsToStages: { v2: ['AWSCURRENT', 'AWSPENDING'] } })).toEqual([]);
  });

  it('reports secrets not read for N days, and old secrets never read, but not new ones', () => {
    expect(checksOf({ ...healthy, lastAccessedDate: daysAgo(120) })).toEqual(['not-accessed']);
    expect(checksOf({ ...healthy, lastAccessedDate: undefined })).toEqual(['not-accessed']);
    expect(
      checksOf({
        ...healthy,
        lastAccessedDate: undefined,
        createdDate: daysAgo(5),
        lastRotatedDate: daysAgo(5),
      }),
    ).toEqual([]);
    expect(
      auditSecret({ ...healthy, lastAccessedDate: daysAgo(20) }, { now, unusedDays: 14 })[0]?.check,
    ).toBe('not-accessed');
  });

  it('reports only the deletion for a secret scheduled for deletion', () => {
    expect(checksOf({ ...healthy, rotationEnabled: false, deletedDate: daysAgo(-7) })).toEqual([
      'scheduled-for-deletion',
    ]);
  });

  it('reports resource policies open to everyone or to another account', () => {
    const policy = (statement: object) => ({
      ...healthy,
      resourcePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }),
    });
    const allow = { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' };
    expect(auditSecret(policy({ ...allow, Principal: '*' }), options)).toEqual([
      expect.objectContaining({ check: 'policy-public', severity: 'critical' }),
    ]);
    expect(
      auditSecret(
        policy({
          ...allow,
          Principal: { AWS: '*' },
          Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } },
        }),
        options,
      ),
    ).toEqual([expect.objectContaining({ check: 'policy-public', severity: 'high' })]);
    expect(
      checksOf(
        policy({
          ...allow,
          Principal: { AWS: ['arn:aws:iam::444455556666:role/reader', 'arn:aws:iam::111122223333:root'] },
        }),
      ),
    ).toEqual(['policy-cross-account']);
    expect(checksOf(policy({ ...allow, Principal: { AWS: 'arn:aws:iam::111122223333:role/app' } }))).toEqual(
      [],
    );
    expect(checksOf(policy({ ...allow, Effect: 'Deny', Principal: '*' }))).toEqual([]);
  });

  it('reports secrets encrypted with the AWS managed key', () => {
    expect(checksOf({ ...healthy, kmsKeyId: undefined })).toEqual(['no-customer-managed-key']);
    expect(checksOf({ ...healthy, kmsKeyId: 'alias/aws/secretsmanager' })).toEqual([
      'no-customer-managed-key',
    ]);
  });
});

describe('buildReport', () => {
  const report = buildReport(
    [
      healthy,
      { ...healthy, name: 'b', rotationEnabled: false },
      { ...healthy, name: 'a', kmsKeyId: undefined },
    ],
    options,
  );

  it('sorts by severity and counts each level', () => {
    expect(report.findings.map((finding) => [finding.severity, finding.secret])).toEqual([
      ['medium', 'b'],
      ['low', 'a'],
    ]);
    expect(report.counts).toEqual({ low: 1, medium: 1, high: 0, critical: 0 });
  });

  it('fails at the threshold and above only', () => {
    expect(failsAt(report, 'low')).toBe(true);
    expect(failsAt(report, 'medium')).toBe(true);
    expect(failsAt(report, 'high')).toBe(false);
  });

  it('prints a table with a summary', () => {
    const table = formatTable(report);
    expect(table).toMatch(/^SEVERITY\s+SECRET\s+CHECK\s+DETAIL$/m);
    expect(table).toMatch(/^MEDIUM\s+b\s+rotation-disabled\s+automatic rotation is not enabled$/m);
    expect(table).toContain('3 secrets audited: 0 critical, 0 high, 1 medium, 1 low.');
  });
});
