import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/index.js';
import { failure, smClient, stsClient, uniqueName } from '../support/emulator.js';

let clock = Date.now();
let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ host: '127.0.0.1', port: 0, accountId: '123456789012', now: () => clock });
});
afterAll(() => emu.close());

const roleArn = 'arn:aws:iam::210987654321:role/app/reader';

function clientsFor(credentials: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string }) {
  const config = {
    ...emu.clientConfig,
    maxAttempts: 1,
    credentials: {
      accessKeyId: credentials.AccessKeyId!,
      secretAccessKey: credentials.SecretAccessKey!,
      sessionToken: credentials.SessionToken!,
    },
  };
  return { sts: stsClient(emu, config), sm: new SecretsManagerClient(config) };
}

describe('STS', () => {
  it('GetCallerIdentity answers for the long-term key', async () => {
    const identity = await stsClient(emu).send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe('123456789012');
    expect(identity.Arn).toBe('arn:aws:iam::123456789012:user/latchkey-emulator');
    expect(identity.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
  });

  it('AssumeRole issues expiring credentials; calls made with them are the assumed role', async () => {
    const before = clock;
    const assumed = await stsClient(emu).send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'rotation-1', DurationSeconds: 900 }),
    );
    expect(assumed.AssumedRoleUser?.Arn).toBe('arn:aws:sts::210987654321:assumed-role/reader/rotation-1');
    expect(assumed.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:rotation-1$/);
    expect(assumed.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(assumed.Credentials?.SessionToken).toBeTruthy();
    const lifetime = assumed.Credentials!.Expiration!.getTime() - before;
    expect(lifetime).toBeGreaterThan(899_000);
    expect(lifetime).toBeLessThanOrEqual(900_000);

    const { sts, sm } = clientsFor(assumed.Credentials!);
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({
      Arn: 'arn:aws:sts::210987654321:assumed-role/reader/rotation-1',
      Account: '210987654321',
      UserId: assumed.AssumedRoleUser?.AssumedRoleId,
    });

    const name = uniqueName();
    await smClient(emu).send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
    await sm.send(new GetSecretValueCommand({ SecretId: name }));
    expect(emu.requestLog.at(-1)).toMatchObject({
      operation: 'GetSecretValue',
      accessKeyId: assumed.Credentials?.AccessKeyId,
      principalArn: 'arn:aws:sts::210987654321:assumed-role/reader/rotation-1',
      secretId: name,
      status: 200,
    });

    clock += 901_000;
    const expired = await failure(sm.send(new GetSecretValueCommand({ SecretId: name })));
    expect(expired.name).toBe('ExpiredTokenException');
    const expiredSts = await failure(sts.send(new GetCallerIdentityCommand({})));
    expect(expiredSts.name).toBe('ExpiredToken');
  });

  it('refuses a wrong session token for an issued key', async () => {
    const assumed = await stsClient(emu).send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'tampered' }),
    );
    const { sm } = clientsFor({ ...assumed.Credentials, SessionToken: 'not-the-token' });
    const error = await failure(sm.send(new GetSecretValueCommand({ SecretId: 'x' })));
    expect(error.name).toBe('UnrecognizedClientException');
  });

  it('honours DurationSeconds limits and role chaining', async () => {
    const sts = stsClient(emu);
    const tooShort = await failure(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 's', DurationSeconds: 899 })),
    );
    expect(tooShort.name).toBe('ValidationError');
    const overMax = await failure(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'ss', DurationSeconds: 7200 })),
    );
    expect(overMax.name).toBe('ValidationError');
    expect(overMax.message).toContain('MaxSessionDuration');
    const longRole = 'arn:aws:iam::123456789012:role/long';
    emu.sts.configureRole(longRole, { maxSessionDurationSeconds: 43200 });
    const long = await sts.send(
      new AssumeRoleCommand({ RoleArn: longRole, RoleSessionName: 'long', DurationSeconds: 43200 }),
    );
    const chained = clientsFor(long.Credentials!).sts;
    const chainedTooLong = await failure(
      chained.send(
        new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'chain', DurationSeconds: 3601 }),
      ),
    );
    expect(chainedTooLong.name).toBe('ValidationError');
    const chainedOk = await chained.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'chain' }),
    );
    expect(chainedOk.AssumedRoleUser?.Arn).toContain('assumed-role/reader/chain');
    const badArn = await failure(
      sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::1:user/x', RoleSessionName: 'ok' })),
    );
    expect(badArn.name).toBe('ValidationError');
  });

  it('requires the configured ExternalId', async () => {
    const guarded = 'arn:aws:iam::123456789012:role/guarded';
    emu.sts.configureRole(guarded, { externalId: 'expected-id' });
    const sts = stsClient(emu);
    const missing = await failure(
      sts.send(new AssumeRoleCommand({ RoleArn: guarded, RoleSessionName: 'ext' })),
    );
    expect(missing.name).toBe('AccessDenied');
    expect(missing.$metadata?.httpStatusCode).toBe(403);
    const wrong = await failure(
      sts.send(new AssumeRoleCommand({ RoleArn: guarded, RoleSessionName: 'ext', ExternalId: 'other-id' })),
    );
    expect(wrong.name).toBe('AccessDenied');
    const ok = await sts.send(
      new AssumeRoleCommand({ RoleArn: guarded, RoleSessionName: 'ext', ExternalId: 'expected-id' }),
    );
    expect(ok.Credentials?.AccessKeyId).toBeTruthy();
  });

  it('fault injection applies to STS operations too, in the query protocol error shape', async () => {
    emu.faults.inject({ kind: 'throttling', operation: 'AssumeRole', count: 1 });
    const error = await failure(
      stsClient(emu).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'throttled' })),
    );
    expect(error.name).toBe('Throttling');
    expect(emu.calls('AssumeRole')).toBeGreaterThan(0);
  });
});
