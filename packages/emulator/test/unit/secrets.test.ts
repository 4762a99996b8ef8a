import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/index.js';
import { failure, sm, smClient, uniqueName, useEmulator } from '../support/emulator.js';

useEmulator();

describe('CreateSecret and GetSecretValue', () => {
  it('stores a string secret under an ARN with a six-character suffix and reads it back as AWSCURRENT', async () => {
    const name = uniqueName('app/db');
    const created = await sm.send(new CreateSecretCommand({ Name: name, SecretString: '{"password":"p1"}' }));
    expect(created.Name).toBe(name);
    expect(created.ARN).toMatch(
      new RegExp(`^arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-[A-Za-z0-9]{6}$`),
    );
    const got = await sm.send(new GetSecretValueCommand({ SecretId: name }));
    expect(got).toMatchObject({
      ARN: created.ARN,
      Name: name,
      VersionId: created.VersionId,
      SecretString: '{"password":"p1"}',
      VersionStages: ['AWSCURRENT'],
    });
    expect(got.CreatedDate).toBeInstanceOf(Date);
  });

  it('stores binary secrets byte for byte', async () => {
    const name = uniqueName();
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await sm.send(new CreateSecretCommand({ Name: name, SecretBinary: bytes }));
    const got = await sm.send(new GetSecretValueCommand({ SecretId: name }));
    expect(got.SecretString).toBeUndefined();
    expect([...(got.SecretBinary ?? [])]).toEqual([...bytes]);
  });

  it('finds a secret by name, full ARN and partial ARN (without the suffix)', async () => {
    const name = uniqueName();
    const { ARN } = await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    const partial = ARN!.slice(0, -7);
    for (const secretId of [name, ARN!, partial]) {
      expect((await sm.send(new GetSecretValueCommand({ SecretId: secretId }))).ARN).toBe(ARN);
    }
  });

  it('answers ResourceNotFoundException for an unknown secret, and for an ARN of another account', async () => {
    const missing = await failure(sm.send(new GetSecretValueCommand({ SecretId: uniqueName('missing') })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.message).toBe("Secrets Manager can't find the specified secret.");
    const { ARN } = await sm.send(new CreateSecretCommand({ Name: uniqueName(), SecretString: 'x' }));
    const otherAccount = ARN!.replace(':000000000000:', ':111111111111:');
    expect((await failure(sm.send(new GetSecretValueCommand({ SecretId: otherAccount })))).name).toBe(
      'ResourceNotFoundException',
    );
  });

  it('is idempotent on ClientRequestToken and refuses a second secret of the same name', async () => {
    const name = uniqueName();
    const token = 'a'.repeat(32);
    const first = await sm.send(
      new CreateSecretCommand({ Name: name, SecretString: 'v', ClientRequestToken: token }),
    );
    const again = await sm.send(
      new CreateSecretCommand({ Name: name, SecretString: 'v', ClientRequestToken: token }),
    );
    expect(again).toMatchObject({ ARN: first.ARN, VersionId: token });
    const other = await failure(sm.send(new CreateSecretCommand({ Name: name, SecretString: 'different' })));
    expect(other.name).toBe('ResourceExistsException');
    expect(other.message).toContain(name);
  });

  it('records Description, Tags and KmsKeyId, shown by DescribeSecret', async () => {
    const name = uniqueName();
    await sm.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: 'x',
        Description: 'the db',
        KmsKeyId: 'alias/app',
        Tags: [{ Key: 'team', Value: 'payments' }],
      }),
    );
    const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described).toMatchObject({ Name: name, Description: 'the db', KmsKeyId: 'alias/app' });
    expect(described.Tags).toEqual([{ Key: 'team', Value: 'payments' }]);
    expect(described.CreatedDate).toBeInstanceOf(Date);
    expect(described.LastChangedDate).toBeInstanceOf(Date);
    expect(described.RotationEnabled).toBeUndefined();
  });

  it('records the day of the last read as LastAccessedDate', async () => {
    const name = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    expect((await sm.send(new DescribeSecretCommand({ SecretId: name }))).LastAccessedDate).toBeUndefined();
    await sm.send(new GetSecretValueCommand({ SecretId: name }));
    const accessed = (await sm.send(new DescribeSecretCommand({ SecretId: name }))).LastAccessedDate!;
    const today = new Date();
    expect(accessed.toISOString()).toBe(
      new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate())).toISOString(),
    );
  });

  it('creates a secret without a value, which has no version until one is put', async () => {
    const name = uniqueName();
    const created = await sm.send(new CreateSecretCommand({ Name: name }));
    expect(created.VersionId).toBeUndefined();
    const empty = await failure(sm.send(new GetSecretValueCommand({ SecretId: name })));
    expect(empty.name).toBe('ResourceNotFoundException');
    expect(empty.message).toContain('AWSCURRENT');
    const put = await sm.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'v', VersionStages: ['AWSPENDING'] }),
    );
    // The first version of a secret always becomes AWSCURRENT.
    expect(put.VersionStages?.sort()).toEqual(['AWSCURRENT', 'AWSPENDING']);
  });
});

describe('UpdateSecret', () => {
  it('updates metadata without a new version, and a value as a new AWSCURRENT version', async () => {
    const name = uniqueName();
    const created = await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v1' }));
    const metadataOnly = await sm.send(new UpdateSecretCommand({ SecretId: name, Description: 'new' }));
    expect(metadataOnly.VersionId).toBeUndefined();
    const updated = await sm.send(new UpdateSecretCommand({ SecretId: name, SecretString: 'v2' }));
    expect(updated.VersionId).not.toBe(created.VersionId);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described.Description).toBe('new');
    expect(described.VersionIdsToStages).toEqual({
      [created.VersionId!]: ['AWSPREVIOUS'],
      [updated.VersionId!]: ['AWSCURRENT'],
    });
  });
});

describe('UpdateSecret with a ClientRequestToken of an existing version', () => {
  it('is refused even with the same value, and changes nothing (unlike PutSecretValue)', async () => {
    const name = uniqueName();
    const token = 'u'.repeat(32);
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', Description: 'before' }));
    await sm.send(new UpdateSecretCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token }));
    const error = await failure(
      sm.send(
        new UpdateSecretCommand({
          SecretId: name,
          SecretString: 'v2',
          ClientRequestToken: token,
          Description: 'after',
        }),
      ),
    );
    expect(error.name).toBe('ResourceExistsException');
    expect(error.message).toContain(token);
    expect((await sm.send(new DescribeSecretCommand({ SecretId: name }))).Description).toBe('before');
  });
});

describe('DeleteSecret and RestoreSecret', () => {
  it('schedules deletion with a recovery window; the secret answers InvalidRequestException until restored', async () => {
    const name = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
    const before = Date.now();
    const deleted = await sm.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
    const days = (deleted.DeletionDate!.getTime() - before) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThan(7.01);
    const read = await failure(sm.send(new GetSecretValueCommand({ SecretId: name })));
    expect(read.name).toBe('InvalidRequestException');
    expect(read.message).toContain('marked for deletion');
    expect((await sm.send(new DescribeSecretCommand({ SecretId: name }))).DeletedDate).toBeInstanceOf(Date);
    expect((await failure(sm.send(new DeleteSecretCommand({ SecretId: name })))).name).toBe(
      'InvalidRequestException',
    );
    const recreate = await failure(sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v' })));
    expect(recreate.name).toBe('InvalidRequestException');
    const listed = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [name] }] }));
    expect(listed.SecretList).toEqual([]);
    const withDeleted = await sm.send(
      new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [name] }], IncludePlannedDeletion: true }),
    );
    expect(withDeleted.SecretList?.map((s) => s.Name)).toEqual([name]);

    await sm.send(new RestoreSecretCommand({ SecretId: name }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v');
    expect((await sm.send(new DescribeSecretCommand({ SecretId: name }))).DeletedDate).toBeUndefined();
  });

  it('refuses recovery windows outside 7 to 30 days and combining them with ForceDeleteWithoutRecovery', async () => {
    const name = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
    for (const days of [6, 31]) {
      const error = await failure(
        sm.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: days })),
      );
      expect(error.name).toBe('InvalidParameterException');
      expect(error.message).toContain('between 7 and 30');
    }
    const both = await failure(
      sm.send(
        new DeleteSecretCommand({
          SecretId: name,
          RecoveryWindowInDays: 7,
          ForceDeleteWithoutRecovery: true,
        }),
      ),
    );
    expect(both.name).toBe('InvalidParameterException');
  });

  it('deletes at once with ForceDeleteWithoutRecovery, freeing the name; forcing a missing secret succeeds', async () => {
    const name = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
    await sm.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    expect((await failure(sm.send(new GetSecretValueCommand({ SecretId: name })))).name).toBe(
      'ResourceNotFoundException',
    );
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'again' }));
    await sm.send(
      new DeleteSecretCommand({ SecretId: uniqueName('never'), ForceDeleteWithoutRecovery: true }),
    );
    expect((await failure(sm.send(new RestoreSecretCommand({ SecretId: uniqueName('never') })))).name).toBe(
      'ResourceNotFoundException',
    );
  });

  it('purges a secret once its recovery window has passed', async () => {
    let clock = Date.now();
    const timed = await startEmulator({ host: '127.0.0.1', port: 0, now: () => clock });
    try {
      const client = smClient(timed);
      await client.send(new CreateSecretCommand({ Name: 'expiring', SecretString: 'v' }));
      await client.send(new DeleteSecretCommand({ SecretId: 'expiring', RecoveryWindowInDays: 7 }));
      clock += 7 * 86_400_000 + 1;
      expect((await failure(client.send(new DescribeSecretCommand({ SecretId: 'expiring' })))).name).toBe(
        'ResourceNotFoundException',
      );
      await client.send(new CreateSecretCommand({ Name: 'expiring', SecretString: 'new' }));
    } finally {
      await timed.close();
    }
  });
});
