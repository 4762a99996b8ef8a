import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { failure, sm, uniqueName, useEmulator } from '../support/emulator.js';

useEmulator();

const token = (n: number) => `${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`;

async function stages(secretId: string) {
  return (await sm.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages;
}

describe('PutSecretValue', () => {
  it('moves AWSCURRENT to the new version and AWSPREVIOUS to the old one, by default', async () => {
    const name = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: token(1) }));
    await sm.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token(2) }),
    );
    await sm.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'v3', ClientRequestToken: token(3) }),
    );
    expect(await stages(name)).toEqual({ [token(2)]: ['AWSPREVIOUS'], [token(3)]: ['AWSCURRENT'] });
    const previous = await sm.send(
      new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' }),
    );
    expect(previous.SecretString).toBe('v2');
    const byId = await sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: token(1) }));
    expect(byId).toMatchObject({ SecretString: 'v1', VersionStages: [] });
  });

  it('is a no-op for the same token and value, and refuses the same token with a different value', async () => {
    const name = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v1' }));
    const put = () =>
      sm.send(
        new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: token(7) }),
      );
    await put();
    const before = await stages(name);
    const again = await put();
    expect(again.VersionId).toBe(token(7));
    expect(await stages(name)).toEqual(before);
    const changed = await failure(
      sm.send(
        new PutSecretValueCommand({ SecretId: name, SecretString: 'other', ClientRequestToken: token(7) }),
      ),
    );
    expect(changed.name).toBe('ResourceExistsException');
    expect(changed.message).not.toContain('other');
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v2');
  });

  it('accepts a RotationToken', async () => {
    const name = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v1' }));
    const put = await sm.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', RotationToken: 'r'.repeat(48) }),
    );
    expect(put.VersionStages).toEqual(['AWSCURRENT']);
  });
});

describe('a manual rotation, step by step, as a rotation function makes it', () => {
  it('pending version, put, stage moves with RemoveFromVersionId, AWSPREVIOUS bookkeeping', async () => {
    const name = uniqueName('rotated');
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'old', ClientRequestToken: token(1) }));

    // createSecret: store the new value as AWSPENDING under the rotation token.
    const pending = await sm.send(
      new PutSecretValueCommand({
        SecretId: name,
        SecretString: 'new',
        ClientRequestToken: token(2),
        VersionStages: ['AWSPENDING'],
      }),
    );
    expect(pending.VersionStages).toEqual(['AWSPENDING']);
    expect(await stages(name)).toEqual({ [token(1)]: ['AWSCURRENT'], [token(2)]: ['AWSPENDING'] });
    const read = await sm.send(
      new GetSecretValueCommand({ SecretId: name, VersionId: token(2), VersionStage: 'AWSPENDING' }),
    );
    expect(read.SecretString).toBe('new');
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('old');

    // finishSecret: moving AWSCURRENT without naming its holder is refused.
    const unnamed = await failure(
      sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token(2),
        }),
      ),
    );
    expect(unnamed.name).toBe('InvalidParameterException');
    expect(unnamed.message).toContain(token(1));
    const wrongHolder = await failure(
      sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token(2),
          RemoveFromVersionId: token(2),
        }),
      ),
    );
    expect(wrongHolder.name).toBe('InvalidParameterException');

    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token(2),
        RemoveFromVersionId: token(1),
      }),
    );
    // The function does not remove AWSPENDING; the old current version gets AWSPREVIOUS.
    expect(await stages(name)).toEqual({
      [token(1)]: ['AWSPREVIOUS'],
      [token(2)]: ['AWSPENDING', 'AWSCURRENT'],
    });
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('new');
    expect(
      (await sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' })))
        .SecretString,
    ).toBe('old');

    // Removing a label from the version that holds it; AWSCURRENT itself cannot just be removed.
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: token(2),
      }),
    );
    const removeCurrent = await failure(
      sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: 'AWSCURRENT',
          RemoveFromVersionId: token(2),
        }),
      ),
    );
    expect(removeCurrent.name).toBe('InvalidParameterException');

    // A second rotation: AWSPREVIOUS moves on, the first version becomes deprecated (no labels).
    await sm.send(
      new PutSecretValueCommand({
        SecretId: name,
        SecretString: 'newer',
        ClientRequestToken: token(3),
        VersionStages: ['AWSPENDING'],
      }),
    );
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token(3),
        RemoveFromVersionId: token(2),
      }),
    );
    expect(await stages(name)).toEqual({
      [token(2)]: ['AWSPREVIOUS'],
      [token(3)]: ['AWSPENDING', 'AWSCURRENT'],
    });

    const listed = await sm.send(new ListSecretVersionIdsCommand({ SecretId: name }));
    expect(listed.Versions?.map((v) => v.VersionId).sort()).toEqual([token(2), token(3)]);
    const all = await sm.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }));
    expect(all.Versions?.map((v) => v.VersionId).sort()).toEqual([token(1), token(2), token(3)]);
    expect(all.Versions?.find((v) => v.VersionId === token(1))?.VersionStages).toEqual([]);
    expect(all.ARN).toMatch(/:secret:rotated\//);
  });

  it('custom labels move between versions and a rollback of AWSCURRENT swaps AWSPREVIOUS', async () => {
    const name = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'a', ClientRequestToken: token(1) }));
    await sm.send(
      new PutSecretValueCommand({
        SecretId: name,
        SecretString: 'b',
        ClientRequestToken: token(2),
        VersionStages: ['AWSCURRENT', 'blue'],
      }),
    );
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'blue',
        MoveToVersionId: token(1),
        RemoveFromVersionId: token(2),
      }),
    );
    expect(await stages(name)).toEqual({ [token(1)]: ['AWSPREVIOUS', 'blue'], [token(2)]: ['AWSCURRENT'] });
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token(1),
        RemoveFromVersionId: token(2),
      }),
    );
    expect(await stages(name)).toEqual({ [token(1)]: ['blue', 'AWSCURRENT'], [token(2)]: ['AWSPREVIOUS'] });
  });

  it('a version that exists but lacks the requested stage is not found', async () => {
    const name = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'a', ClientRequestToken: token(1) }));
    const error = await failure(
      sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: token(1), VersionStage: 'AWSPENDING' })),
    );
    expect(error.name).toBe('ResourceNotFoundException');
    const unknownVersion = await failure(
      sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: token(9) })),
    );
    expect(unknownVersion.name).toBe('ResourceNotFoundException');
    expect(unknownVersion.message).toContain(token(9));
  });

  it('paginates ListSecretVersionIds', async () => {
    const name = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v0' }));
    for (let i = 1; i <= 4; i++) {
      await sm.send(
        new PutSecretValueCommand({ SecretId: name, SecretString: `v${i}`, VersionStages: [`label${i}`] }),
      );
    }
    const seen: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await sm.send(
        new ListSecretVersionIdsCommand({ SecretId: name, MaxResults: 2, NextToken }),
      );
      expect(page.Versions!.length).toBeLessThanOrEqual(2);
      seen.push(...page.Versions!.map((v) => v.VersionId!));
      NextToken = page.NextToken;
    } while (NextToken);
    expect(new Set(seen).size).toBe(5);
    const bad = await failure(
      sm.send(new ListSecretVersionIdsCommand({ SecretId: name, NextToken: 'bm9wZQ' })),
    );
    expect(bad.name).toBe('InvalidNextTokenException');
  });

  it('prunes unlabelled versions beyond 100, and refuses a 101st version when every version is labelled', async () => {
    const pruned = uniqueName();
    await sm.send(
      new CreateSecretCommand({ Name: pruned, SecretString: 'v0', ClientRequestToken: token(0) }),
    );
    for (let i = 1; i <= 101; i++)
      await sm.send(new PutSecretValueCommand({ SecretId: pruned, SecretString: `v${i}` }));
    const all = await sm.send(new ListSecretVersionIdsCommand({ SecretId: pruned, IncludeDeprecated: true }));
    expect(all.Versions).toHaveLength(100);
    expect(all.Versions?.some((v) => v.VersionId === token(0))).toBe(false);

    const labelled = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: labelled, SecretString: 'v0' }));
    for (let i = 1; i < 100; i++) {
      await sm.send(
        new PutSecretValueCommand({
          SecretId: labelled,
          SecretString: `v${i}`,
          VersionStages: [`keep-${i}`],
        }),
      );
    }
    const error = await failure(
      sm.send(
        new PutSecretValueCommand({
          SecretId: labelled,
          SecretString: 'one too many',
          VersionStages: ['keep-100'],
        }),
      ),
    );
    expect(error.name).toBe('LimitExceededException');
  });
});
