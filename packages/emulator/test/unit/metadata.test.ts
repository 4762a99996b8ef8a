import {
  CreateSecretCommand,
  DeleteResourcePolicyCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  ListSecretsCommand,
  PutResourcePolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
  ValidateResourcePolicyCommand,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { failure, sm, uniqueName, useEmulator } from '../support/emulator.js';

useEmulator();

describe('TagResource and UntagResource', () => {
  it('adds, replaces and removes tags by key, within the limit of 50', async () => {
    const name = uniqueName();
    await sm.send(
      new CreateSecretCommand({ Name: name, SecretString: 'x', Tags: [{ Key: 'a', Value: '1' }] }),
    );
    await sm.send(
      new TagResourceCommand({
        SecretId: name,
        Tags: [
          { Key: 'a', Value: '2' },
          { Key: 'b', Value: '3' },
        ],
      }),
    );
    expect((await sm.send(new DescribeSecretCommand({ SecretId: name }))).Tags).toEqual([
      { Key: 'a', Value: '2' },
      { Key: 'b', Value: '3' },
    ]);
    await sm.send(new UntagResourceCommand({ SecretId: name, TagKeys: ['a', 'missing'] }));
    expect((await sm.send(new DescribeSecretCommand({ SecretId: name }))).Tags).toEqual([
      { Key: 'b', Value: '3' },
    ]);
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    const error = await failure(sm.send(new TagResourceCommand({ SecretId: name, Tags: many })));
    expect(error.name).toBe('ValidationException');
    expect((await sm.send(new DescribeSecretCommand({ SecretId: name }))).Tags).toHaveLength(1);
  });
});

describe('resource policies', () => {
  const policy = (principal: unknown) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: principal, Action: 'secretsmanager:GetSecretValue', Resource: '*' },
      ],
    });

  it('puts, gets and deletes a policy', async () => {
    const name = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    expect((await sm.send(new GetResourcePolicyCommand({ SecretId: name }))).ResourcePolicy).toBeUndefined();
    const text = policy({ AWS: 'arn:aws:iam::000000000000:role/app' });
    await sm.send(new PutResourcePolicyCommand({ SecretId: name, ResourcePolicy: text }));
    expect((await sm.send(new GetResourcePolicyCommand({ SecretId: name }))).ResourcePolicy).toBe(text);
    await sm.send(new DeleteResourcePolicyCommand({ SecretId: name }));
    expect((await sm.send(new GetResourcePolicyCommand({ SecretId: name }))).ResourcePolicy).toBeUndefined();
  });

  it('refuses malformed policies, and public ones when BlockPublicPolicy is set', async () => {
    const name = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    const malformed = await failure(
      sm.send(new PutResourcePolicyCommand({ SecretId: name, ResourcePolicy: '{nope' })),
    );
    expect(malformed.name).toBe('MalformedPolicyDocumentException');
    const blocked = await failure(
      sm.send(
        new PutResourcePolicyCommand({
          SecretId: name,
          ResourcePolicy: policy('*'),
          BlockPublicPolicy: true,
        }),
      ),
    );
    expect(blocked.name).toBe('PublicPolicyException');
    await sm.send(new PutResourcePolicyCommand({ SecretId: name, ResourcePolicy: policy('*') }));
    const validated = await sm.send(
      new ValidateResourcePolicyCommand({ ResourcePolicy: '{"Statement": []}' }),
    );
    expect(validated.PolicyValidationPassed).toBe(false);
    expect(validated.ValidationErrors?.length).toBeGreaterThan(0);
    expect(
      (await sm.send(new ValidateResourcePolicyCommand({ ResourcePolicy: policy('*') })))
        .PolicyValidationPassed,
    ).toBe(true);
  });
});

describe('ListSecrets', () => {
  it('filters by name, description, tag key and value, with negation and "all"', async () => {
    const prefix = uniqueName('list');
    await sm.send(
      new CreateSecretCommand({
        Name: `${prefix}/alpha`,
        SecretString: 'x',
        Description: 'Payments DB',
        Tags: [{ Key: 'team', Value: 'blue' }],
      }),
    );
    await sm.send(
      new CreateSecretCommand({
        Name: `${prefix}/beta`,
        SecretString: 'x',
        Tags: [{ Key: 'team', Value: 'red' }],
      }),
    );
    const names = async (Filters: { Key: string; Values: string[] }[]) =>
      ((await sm.send(new ListSecretsCommand({ Filters: Filters as never }))).SecretList ?? [])
        .map((s) => s.Name)
        .sort();
    expect(await names([{ Key: 'name', Values: [prefix] }])).toEqual([`${prefix}/alpha`, `${prefix}/beta`]);
    expect(await names([{ Key: 'name', Values: [prefix.toUpperCase()] }])).toEqual([]);
    expect(
      await names([
        { Key: 'name', Values: [prefix] },
        { Key: 'description', Values: ['payments'] },
      ]),
    ).toEqual([`${prefix}/alpha`]);
    expect(
      await names([
        { Key: 'name', Values: [prefix] },
        { Key: 'tag-value', Values: ['red'] },
      ]),
    ).toEqual([`${prefix}/beta`]);
    expect(
      await names([
        { Key: 'name', Values: [prefix] },
        { Key: 'tag-value', Values: ['!red'] },
      ]),
    ).toEqual([`${prefix}/alpha`]);
    expect(
      await names([
        { Key: 'name', Values: [prefix] },
        { Key: 'tag-key', Values: ['team'] },
      ]),
    ).toHaveLength(2);
    expect(
      await names([
        { Key: 'name', Values: [prefix] },
        { Key: 'all', Values: ['PAYMENTS'] },
      ]),
    ).toEqual([`${prefix}/alpha`]);
    const bad = await failure(
      sm.send(new ListSecretsCommand({ Filters: [{ Key: 'colour' as never, Values: ['x'] }] })),
    );
    expect(bad.name).toBe('InvalidParameterException');
  });

  it('paginates in creation order, either way, and shows the version stages', async () => {
    const prefix = uniqueName('paged');
    for (let i = 0; i < 5; i++)
      await sm.send(new CreateSecretCommand({ Name: `${prefix}/${i}`, SecretString: 'x' }));
    const collect = async (SortOrder: 'asc' | 'desc') => {
      const seen: string[] = [];
      let NextToken: string | undefined;
      do {
        const page = await sm.send(
          new ListSecretsCommand({
            Filters: [{ Key: 'name', Values: [prefix] }],
            MaxResults: 2,
            NextToken,
            SortOrder,
          }),
        );
        seen.push(...page.SecretList!.map((s) => s.Name!));
        for (const entry of page.SecretList!)
          expect(Object.values(entry.SecretVersionsToStages!)).toEqual([['AWSCURRENT']]);
        NextToken = page.NextToken;
      } while (NextToken);
      return seen;
    };
    const ascending = await collect('asc');
    expect(ascending).toEqual([0, 1, 2, 3, 4].map((i) => `${prefix}/${i}`));
    expect(await collect('desc')).toEqual([...ascending].reverse());
  });
});
