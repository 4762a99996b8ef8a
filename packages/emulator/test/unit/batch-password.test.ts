import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  GetRandomPasswordCommand,
  type GetRandomPasswordCommandInput,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { failure, sm, uniqueName, useEmulator } from '../support/emulator.js';

useEmulator();

describe('BatchGetSecretValue', () => {
  it('reads a list of secrets and reports the unreadable ones in Errors', async () => {
    const prefix = uniqueName('batch');
    const names = [`${prefix}/a`, `${prefix}/b`, `${prefix}/deleted`];
    for (const name of names)
      await sm.send(new CreateSecretCommand({ Name: name, SecretString: `value of ${name}` }));
    await sm.send(new DeleteSecretCommand({ SecretId: names[2] }));
    const missing = `${prefix}/missing`;
    const result = await sm.send(new BatchGetSecretValueCommand({ SecretIdList: [...names, missing] }));
    expect(result.SecretValues?.map((v) => [v.Name, v.SecretString])).toEqual([
      [names[0], `value of ${names[0]}`],
      [names[1], `value of ${names[1]}`],
    ]);
    expect(result.Errors).toEqual([
      {
        SecretId: names[2],
        ErrorCode: 'InvalidRequestException',
        Message: expect.stringContaining('marked for deletion'),
      },
      { SecretId: missing, ErrorCode: 'ResourceNotFoundException', Message: expect.any(String) },
    ]);
  });

  it('reads the secrets matching Filters, page by page', async () => {
    const prefix = uniqueName('filtered');
    for (let i = 0; i < 5; i++)
      await sm.send(new CreateSecretCommand({ Name: `${prefix}/${i}`, SecretString: `v${i}` }));
    const seen: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await sm.send(
        new BatchGetSecretValueCommand({
          Filters: [{ Key: 'name', Values: [prefix] }],
          MaxResults: 2,
          NextToken,
        }),
      );
      seen.push(...(page.SecretValues ?? []).map((v) => v.SecretString!));
      NextToken = page.NextToken;
    } while (NextToken);
    expect(seen.sort()).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
  });

  it('takes at most 20 ids, and exactly one of SecretIdList and Filters', async () => {
    const tooMany = Array.from({ length: 21 }, (_, i) => `s${i}`);
    expect((await failure(sm.send(new BatchGetSecretValueCommand({ SecretIdList: tooMany })))).name).toBe(
      'ValidationException',
    );
    expect((await failure(sm.send(new BatchGetSecretValueCommand({})))).name).toBe(
      'InvalidParameterException',
    );
    const both = new BatchGetSecretValueCommand({
      SecretIdList: ['a'],
      Filters: [{ Key: 'name', Values: ['a'] }],
    });
    expect((await failure(sm.send(both))).name).toBe('InvalidParameterException');
  });
});

describe('GetRandomPassword', () => {
  const password = async (input: GetRandomPasswordCommandInput) =>
    (await sm.send(new GetRandomPasswordCommand(input))).RandomPassword!;

  it('defaults to 32 characters with each type: lower, upper, digit, punctuation, no space', async () => {
    for (let i = 0; i < 20; i++) {
      const p = await password({});
      expect(p).toHaveLength(32);
      expect(p).toMatch(/[a-z]/);
      expect(p).toMatch(/[A-Z]/);
      expect(p).toMatch(/[0-9]/);
      expect(p).toMatch(/[^A-Za-z0-9]/);
      expect(p).not.toContain(' ');
    }
  });

  it('honours every parameter', async () => {
    expect(await password({ PasswordLength: 100, ExcludePunctuation: true, ExcludeNumbers: true })).toMatch(
      /^[A-Za-z]{100}$/,
    );
    expect(
      await password({ ExcludeLowercase: true, ExcludeUppercase: true, ExcludePunctuation: true }),
    ).toMatch(/^[0-9]{32}$/);
    const excluded = await password({ PasswordLength: 200, ExcludeCharacters: 'abcABC012/@"\'\\' });
    expect(excluded).not.toMatch(/[abcABC012/@"'\\]/);
    const spaced = await password({
      PasswordLength: 4,
      ExcludeLowercase: true,
      ExcludeUppercase: true,
      ExcludeNumbers: true,
      ExcludePunctuation: true,
      IncludeSpace: true,
    });
    expect(spaced).toBe('    ');
    const loose = await password({ PasswordLength: 1, RequireEachIncludedType: false });
    expect(loose).toHaveLength(1);
    expect(await password({ PasswordLength: 4096 })).toHaveLength(4096);
  });

  it('refuses impossible requests', async () => {
    const all = new GetRandomPasswordCommand({
      ExcludeLowercase: true,
      ExcludeUppercase: true,
      ExcludeNumbers: true,
      ExcludePunctuation: true,
    });
    expect((await failure(sm.send(all))).name).toBe('InvalidParameterException');
    expect(await failure(sm.send(new GetRandomPasswordCommand({ PasswordLength: 3 })))).toMatchObject({
      name: 'InvalidParameterException',
    });
    expect(await failure(sm.send(new GetRandomPasswordCommand({ PasswordLength: 4097 })))).toMatchObject({
      name: 'ValidationException',
    });
    expect(await failure(sm.send(new GetRandomPasswordCommand({ PasswordLength: 0 })))).toMatchObject({
      name: 'ValidationException',
    });
  });
});
