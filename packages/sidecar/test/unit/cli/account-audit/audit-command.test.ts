import { Writable } from 'node:stream';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutResourcePolicyCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type Emulator, startEmulator } from '@latchkey/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../../../src/cli/account-audit/index.js';
import { main } from '../../../../src/cli/main.js';

const DAY_MS = 86_400_000;
const SECRET_VALUE = 'audit-never-reads-this-value';
const CMK = 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

async function audit(emu: Emulator, ...args: string[]) {
  return auditOn(emu, false, ...args);
}

/** `terminal`: stderr is a TTY, as for a person watching (the progress line is only for them). */
async function auditOn(emu: Emulator, terminal: boolean, ...args: string[]) {
  const stdout = capture();
  const stderr = capture();
  Object.assign(stderr.stream, { isTTY: terminal });
  const env = { ...process.env };
  const code = await main(['audit', '--endpoint', emu.endpoint, '--region', emu.region, ...args], {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/**
 * Secrets in every state the audit reports, created 120 days ago on the emulator's clock (then brought to the real
 * present), each read or not, rotated or not, as its name says.
 */
describe('latchkey audit against the emulator', () => {
  let emu: Emulator;
  let sm: SecretsManagerClient;
  let offsetMs = 120 * DAY_MS;

  beforeAll(async () => {
    emu = await startEmulator({ host: '127.0.0.1', port: 0, now: () => Date.now() - offsetMs });
    sm = new SecretsManagerClient({ ...emu.clientConfig, maxAttempts: 1 });
    const rotationArn = 'arn:aws:lambda:us-east-1:000000000000:function:rotate';
    emu.rotation.register(rotationArn, async (event) => {
      if (event.Step === 'setSecret') throw new Error('the database refused the change');
    });
    const create = (Name: string, KmsKeyId: string | undefined) =>
      sm.send(new CreateSecretCommand({ Name, SecretString: SECRET_VALUE, KmsKeyId }));
    const scheduleRotation = (SecretId: string, days: number, RotateImmediately = false) =>
      sm.send(
        new RotateSecretCommand({
          SecretId,
          RotationLambdaARN: rotationArn,
          RotationRules: { AutomaticallyAfterDays: days },
          RotateImmediately,
        }),
      );

    await create('audit/healthy', CMK);
    await scheduleRotation('audit/healthy', 365);
    await create('audit/rotation-disabled', CMK);
    await create('audit/rotation-overdue', CMK);
    await scheduleRotation('audit/rotation-overdue', 30);
    await create('audit/rotation-stuck', CMK);
    await scheduleRotation('audit/rotation-stuck', 365, true);
    expect(await emu.rotation.whenIdle('audit/rotation-stuck')).toMatchObject({ status: 'failed' });
    await create('audit/never-read', CMK);
    await create('audit/deleted', CMK);
    await create('audit/public-policy', CMK);
    await create('audit/cross-account', CMK);
    await create('audit/aws-managed-key', undefined);
    const policy = (Principal: unknown) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal, Action: 'secretsmanager:GetSecretValue', Resource: '*' }],
      });
    await sm.send(
      new PutResourcePolicyCommand({
        SecretId: 'audit/public-policy',
        ResourcePolicy: policy('*'),
        BlockPublicPolicy: false,
      }),
    );
    await sm.send(
      new PutResourcePolicyCommand({
        SecretId: 'audit/cross-account',
        ResourcePolicy: policy({ AWS: 'arn:aws:iam::444455556666:role/reader' }),
      }),
    );
    // Back to the present: everything but 'never-read' is read today, and one secret is deleted (within its window).
    offsetMs = 0;
    await sm.send(new DeleteSecretCommand({ SecretId: 'audit/deleted', RecoveryWindowInDays: 30 }));
    for (const name of [
      'audit/healthy',
      'audit/rotation-disabled',
      'audit/rotation-overdue',
      'audit/public-policy',
      'audit/cross-account',
      'audit/aws-managed-key',
    ]) {
      await sm.send(new GetSecretValueCommand({ SecretId: name }));
    }
  });
  afterAll(async () => {
    sm?.destroy();
    await emu?.close();
  });

  const findingsBy = (report: AuditReport) => {
    const byName = new Map<string, string[]>();
    for (const finding of report.findings) {
      byName.set(finding.secret, [...(byName.get(finding.secret) ?? []), finding.check].sort());
    }
    return Object.fromEntries(byName);
  };

  it('reports each secret for what is wrong with it, as JSON for pipelines', async () => {
    const { code, stdout } = await audit(emu, '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as AuditReport;
    expect(report.secrets).toBe(9);
    expect(findingsBy(report)).toEqual({
      'audit/rotation-disabled': ['rotation-disabled'],
      'audit/rotation-overdue': ['rotation-overdue'],
      'audit/rotation-stuck': ['not-accessed', 'rotation-stuck'],
      'audit/never-read': ['not-accessed', 'rotation-disabled'],
      'audit/deleted': ['scheduled-for-deletion'],
      'audit/public-policy': ['policy-public', 'rotation-disabled'],
      'audit/cross-account': ['policy-cross-account', 'rotation-disabled'],
      'audit/aws-managed-key': ['no-customer-managed-key', 'rotation-disabled'],
    });
    expect(report.counts.critical).toBe(1);
  });

  it('prints a table for people, and --fail-on sets the exit status for CI', async () => {
    const table = await audit(emu);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^CRITICAL\s+audit\/public-policy\s+policy-public\s+/m);
    expect(table.stdout).toContain('9 secrets audited: 1 critical, 3 high, 6 medium, 3 low.');
    expect((await audit(emu, '--fail-on', 'critical')).code).toBe(3);
    expect((await audit(emu, '--fail-on', 'high', '--unused-days', '365')).code).toBe(3);
  });

  it('passes --fail-on when nothing reaches the threshold', async () => {
    const clean = await startEmulator({ host: '127.0.0.1', port: 0 });
    try {
      const client = new SecretsManagerClient({ ...clean.clientConfig, maxAttempts: 1 });
      await client.send(
        new CreateSecretCommand({ Name: 'fresh', SecretString: SECRET_VALUE, KmsKeyId: CMK }),
      );
      client.destroy();
      const result = await audit(clean, '--fail-on', 'high');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('1 secrets audited: 0 critical, 0 high, 1 medium, 0 low.');
    } finally {
      await clean.close();
    }
  });

  it('refuses bad flags with a message naming them', async () => {
    const badSeverity = await audit(emu, '--fail-on', 'severe');
    expect(badSeverity.code).toBe(2);
    expect(badSeverity.stderr).toContain("--fail-on takes one of low, medium, high, critical, not 'severe'");
    const badDays = await audit(emu, '--unused-days', '0');
    expect(badDays.stderr).toContain("--unused-days must be a whole number of at least 1, not '0'");
  });

  it('never reads or prints a secret value', async () => {
    emu.resetCalls();
    const outputs = [await audit(emu), await audit(emu, '--json')];
    for (const { stdout, stderr } of outputs) expect(stdout + stderr).not.toContain(SECRET_VALUE);
    expect(emu.calls('GetSecretValue')).toBe(0);
    expect(emu.calls('BatchGetSecretValue')).toBe(0);
  });
});
