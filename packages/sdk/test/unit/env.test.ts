import {
  InvalidReferenceError,
  loadEnv,
  ManualClock,
  parseSecretReference,
  resolveEnv,
  SecretsCache,
} from '@latchkey/sdk';
import { describe, expect, it } from 'vitest';
import { StubSource } from '../support/stub-source.js';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf';

describe('parseSecretReference', () => {
  it.each([
    ['prod/db', { secretId: 'prod/db' }],
    ['prod/db#password', { secretId: 'prod/db', jsonKey: 'password' }],
    [ARN, { secretId: ARN }],
    [`${ARN}#password`, { secretId: ARN, jsonKey: 'password' }],
    [`${ARN}:password::`, { secretId: ARN, jsonKey: 'password' }],
    [`${ARN}:password:AWSPREVIOUS:`, { secretId: ARN, jsonKey: 'password', versionStage: 'AWSPREVIOUS' }],
    [`${ARN}::AWSPENDING`, { secretId: ARN, versionStage: 'AWSPENDING' }],
    [`${ARN}:::v-123`, { secretId: ARN, versionId: 'v-123' }],
    [`${ARN}:user::v-123`, { secretId: ARN, jsonKey: 'user', versionId: 'v-123' }],
    [
      'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:x',
      { secretId: 'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:x' },
    ],
  ])('parses %s', (reference, expected) => {
    expect(parseSecretReference(reference)).toEqual(expected);
  });

  it.each([
    ['', 'empty'],
    ['db#', 'id#jsonKey'],
    ['#key', 'id is empty'],
    ['a#b#c', 'id#jsonKey'],
    ['arn:aws:ssm:us-east-1:123456789012:parameter/x', 'expected arn:'],
    ['arn:aws:secretsmanager:us-east-1:123456789012:secret:', 'expected arn:'],
    [`${ARN}:k:AWSCURRENT:v1:extra`, 'too many parts'],
    [`${ARN}:k#k2`, 'twice'],
    [`${ARN}:k:AWSCURRENT:v1`, 'not both'],
  ])('refuses %j, naming it', (reference, why) => {
    const error = (() => {
      try {
        parseSecretReference(reference);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidReferenceError);
    expect((error as Error).message).toContain(`'${reference}'`);
    expect((error as Error).message).toContain(why);
  });
});

describe('loadEnv', () => {
  function setup() {
    const source = new StubSource();
    const cache = new SecretsCache({ source, clock: new ManualClock() });
    source.put(
      'prod/db',
      JSON.stringify({ username: 'app', password: 'pw1', port: 5432, options: { a: 1 } }),
    );
    source.put(
      'prod/db',
      JSON.stringify({ username: 'app', password: 'pw2', port: 5432, options: { a: 1 } }),
    );
    source.put('token', 'tok');
    return { source, cache };
  }

  it('resolves plain ids, #keys, ECS ARN references with stages, and non-string JSON values', async () => {
    const { cache } = setup();
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db';
    expect(
      await resolveEnv(cache, {
        TOKEN: 'token',
        DB_PASSWORD: 'prod/db#password',
        DB_PORT: 'prod/db#port',
        DB_OPTIONS: 'prod/db#options',
        OLD_PASSWORD: `${arn}:password:AWSPREVIOUS:`,
      }),
    ).toEqual({
      TOKEN: 'tok',
      DB_PASSWORD: 'pw2',
      DB_PORT: '5432',
      DB_OPTIONS: '{"a":1}',
      OLD_PASSWORD: 'pw1',
    });
  });

  it('writes into a target, keeping set variables when overwrite is false', async () => {
    const { cache } = setup();
    const target: Record<string, string | undefined> = { TOKEN: 'preset' };
    await loadEnv(cache, { TOKEN: 'token', DB_USER: 'prod/db#username' }, { target, overwrite: false });
    expect(target).toEqual({ TOKEN: 'preset', DB_USER: 'app' });
  });

  it('names the variable of a bad reference before fetching anything', async () => {
    const { source, cache } = setup();
    await expect(resolveEnv(cache, { GOOD: 'token', BAD: 'db#' })).rejects.toThrow(
      /^BAD: Invalid secret reference 'db#'/,
    );
    expect(source.calls.GetSecretValue).toBe(0);
  });
});
