import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { pino } from 'pino';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseEngine } from '../../src/engines/engine.js';
import {
  InvalidEventError,
  RotationStateError,
  SecretFormatError,
  VerificationError,
} from '../../src/errors.js';
import { Rotator } from '../../src/protocol/rotator.js';

const ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:app-AbCdEf';
const CURRENT = { engine: 'mysql', host: 'db', username: 'app', password: 'current-pw', extra: 'kept' };
// mockClient replaces `send` on SecretsManagerClient's prototype, for every client in the worker: put it back after
// this file, or the next test file in the worker gets the mock in place of its emulator.
const sm = mockClient(SecretsManagerClient);
afterAll(() => sm.restore());

/** The protocol tests never reach a database: an engine that fails if called. */
const noDatabase: DatabaseEngine = {
  family: 'mysql',
  connect: () => Promise.reject(new Error('no database in protocol unit tests')),
};

const rotator = (options: Partial<ConstructorParameters<typeof Rotator>[0]> = {}) =>
  new Rotator({
    engine: noDatabase,
    secretsManager: new SecretsManagerClient({ region: 'us-east-1' }),
    logger: pino({ level: 'silent' }),
    env: {},
    ...options,
  });

function describeWith(stages: Record<string, string[]>, rotationEnabled = true) {
  sm.on(DescribeSecretCommand).resolves({
    ARN,
    RotationEnabled: rotationEnabled,
    VersionIdsToStages: stages,
  });
}

function currentValue(value: object = CURRENT) {
  sm.on(GetSecretValueCommand, { SecretId: ARN, VersionStage: 'AWSCURRENT' }).resolves({
    SecretString: JSON.stringify(value),
  });
}

const event = (Step: string, extra: object = {}) => ({
  SecretId: ARN,
  ClientRequestToken: 'tok-2',
  Step,
  ...extra,
});

beforeEach(() => {
  sm.reset();
});

describe('the check every step starts with', () => {
  it('refuses a secret whose rotation is disabled, or whose RotationEnabled is absent', async () => {
    describeWith({ 'tok-1': ['AWSCURRENT'], 'tok-2': ['AWSPENDING'] }, false);
    await expect(rotator().handle(event('setSecret'))).rejects.toThrow(/not enabled for rotation/);
    sm.on(DescribeSecretCommand).resolves({
      ARN,
      VersionIdsToStages: { 'tok-1': ['AWSCURRENT'], 'tok-2': ['AWSPENDING'] },
    });
    await expect(rotator().handle(event('setSecret'))).rejects.toThrow(/not enabled for rotation/);
  });

  it('refuses a token that is not a version, or a version not AWSPENDING', async () => {
    describeWith({ 'tok-1': ['AWSCURRENT'] });
    await expect(rotator().handle(event('createSecret'))).rejects.toBeInstanceOf(RotationStateError);
    describeWith({ 'tok-1': ['AWSCURRENT'], 'tok-2': ['AWSPREVIOUS'] });
    await expect(rotator().handle(event('testSecret'))).rejects.toThrow(/not set as AWSPENDING/);
  });

  it('succeeds without doing anything when the token already holds AWSCURRENT (with or without AWSPENDING)', async () => {
    describeWith({ 'tok-1': ['AWSPREVIOUS'], 'tok-2': ['AWSCURRENT', 'AWSPENDING'] });
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
      await rotator().handle(event(step));
    }
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });

  it('rejects a malformed event, naming the field', async () => {
    await expect(rotator().handle({ SecretId: ARN, Step: 'createSecret' })).rejects.toThrow(
      /ClientRequestToken/,
    );
    await expect(rotator().handle(event('create_secret'))).rejects.toBeInstanceOf(InvalidEventError);
  });
});

describe('createSecret', () => {
  beforeEach(() => {
    describeWith({ 'tok-1': ['AWSCURRENT'], 'tok-2': ['AWSPENDING'] });
    currentValue();
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: 'tok-2', VersionStage: 'AWSPENDING' }).rejects(
      new ResourceNotFoundException({ message: 'no value', $metadata: {} }),
    );
    sm.on(GetRandomPasswordCommand).resolves({ RandomPassword: 'generated-pw' });
    sm.on(PutSecretValueCommand).resolves({});
  });

  it('stores a generated password under the token as AWSPENDING, keeps other keys, passes the RotationToken', async () => {
    await rotator().handle(event('createSecret', { RotationToken: 'rot-token' }));
    const put = sm.commandCalls(PutSecretValueCommand)[0]!.args[0].input;
    expect(put).toMatchObject({
      SecretId: ARN,
      ClientRequestToken: 'tok-2',
      VersionStages: ['AWSPENDING'],
      RotationToken: 'rot-token',
    });
    expect(JSON.parse(put.SecretString!)).toEqual({ ...CURRENT, password: 'generated-pw' });
    expect(sm.commandCalls(GetRandomPasswordCommand)[0]!.args[0].input).toMatchObject({
      PasswordLength: 32,
      ExcludeCharacters: '/@"\'\\',
      RequireEachIncludedType: true,
    });
  });

  it('switches to the alternate user when the secret has a master', async () => {
    currentValue({ ...CURRENT, masterarn: 'arn:master' });
    await rotator().handle(event('createSecret'));
    const put = sm.commandCalls(PutSecretValueCommand)[0]!.args[0].input;
    expect(JSON.parse(put.SecretString!)).toMatchObject({ username: 'app_clone', masterarn: 'arn:master' });
    expect(put.RotationToken).toBeUndefined();
  });

  it('keeps a value already stored for the token (a retry) and never generates a second one', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: 'tok-2', VersionStage: 'AWSPENDING' }).resolves({
      SecretString: JSON.stringify({ ...CURRENT, password: 'first-run' }),
    });
    await rotator().handle(event('createSecret'));
    expect(sm.commandCalls(GetRandomPasswordCommand)).toHaveLength(0);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('keeps the value another invocation stored first (ResourceExistsException)', async () => {
    let reads = 0;
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: 'tok-2', VersionStage: 'AWSPENDING' }).callsFake(
      () => {
        reads++;
        if (reads === 1) throw new ResourceNotFoundException({ message: 'no value', $metadata: {} });
        return { SecretString: JSON.stringify({ ...CURRENT, password: 'racer' }) };
      },
    );
    sm.on(PutSecretValueCommand).rejects(new ResourceExistsException({ message: 'exists', $metadata: {} }));
    await rotator().handle(event('createSecret'));
    expect(reads).toBe(2);
  });

  it('validates AWSCURRENT and names the missing key', async () => {
    currentValue({ engine: 'mysql', username: 'app', password: 'x' });
    await expect(rotator().handle(event('createSecret'))).rejects.toThrow(SecretFormatError);
    await expect(rotator().handle(event('createSecret'))).rejects.toThrow(/'host'/);
  });

  it('uses ROTATION_STRATEGY over detection', async () => {
    currentValue({ ...CURRENT, masterarn: 'arn:master' });
    await rotator({ env: { ROTATION_STRATEGY: 'single-user' } }).handle(event('createSecret'));
    expect(JSON.parse(sm.commandCalls(PutSecretValueCommand)[0]!.args[0].input.SecretString!).username).toBe(
      'app',
    );
    await expect(
      rotator({ env: { ROTATION_STRATEGY: 'multi' } }).handle(event('createSecret')),
    ).rejects.toThrow(/ROTATION_STRATEGY/);
  });
});

describe('finishSecret', () => {
  /** An engine whose database takes only `password`: logins with anything else are refused. */
  const databaseTaking = (password: string): DatabaseEngine => ({
    family: 'mysql',
    connect: async (credentials) => {
      if (credentials.password !== password) throw Object.assign(new Error('refused'), { code: '1045' });
      return {
        account: async () => ({ username: credentials.username, host: '%' }),
        ping: async () => {},
        changeOwnPassword: async () => {},
        convergeClone: async () => {},
        assertSamePrivilegesAs: async () => {},
        close: async () => {},
      };
    },
  });

  function pendingValue(secretString: string) {
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionStage: 'AWSPENDING', VersionId: 'tok-2' }).resolves({
      SecretString: secretString,
    });
  }

  it('logs in with the pending version, then moves AWSCURRENT to the token, removing it from the old version', async () => {
    describeWith({ 'tok-1': ['AWSCURRENT'], 'tok-2': ['AWSPENDING'] });
    currentValue();
    pendingValue(JSON.stringify({ ...CURRENT, password: 'pending-pw' }));
    sm.on(UpdateSecretVersionStageCommand).resolves({});
    await rotator({ engine: databaseTaking('pending-pw') }).handle(event('finishSecret'));
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)[0]!.args[0].input).toEqual({
      SecretId: ARN,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: 'tok-2',
      RemoveFromVersionId: 'tok-1',
    });
  });

  it.each([
    ['not JSON', 'Pw!9xQz#', /is not valid JSON/],
    [
      'missing its host',
      JSON.stringify({ engine: 'mysql', username: 'app', password: 'Pw!9xQz#' }),
      /missing key 'host'/,
    ],
    [
      'a password the database refuses',
      JSON.stringify({ ...CURRENT, password: 'Pw!9xQz#' }),
      /unable to log into the database with the pending secret \(AWSPENDING: 1045\)/,
    ],
  ])('refuses to promote a pending version %s, and AWSCURRENT stays', async (_what, pending, reason) => {
    describeWith({ 'tok-1': ['AWSCURRENT'], 'tok-2': ['AWSPENDING'] });
    currentValue();
    pendingValue(pending);
    sm.on(UpdateSecretVersionStageCommand).resolves({});
    const failure = rotator({ engine: databaseTaking('current-pw') }).handle(event('finishSecret'));
    await expect(failure).rejects.toBeInstanceOf(VerificationError);
    await expect(failure).rejects.toThrow(/finishSecret did not move AWSCURRENT/);
    await expect(failure).rejects.toThrow(reason);
    await expect(failure).rejects.not.toThrow(/Pw!9xQz#/);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toEqual([]);
  });
});
