import { GetSecretValueCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { DatabaseEngine, EngineHooks } from '../../src/engines/engine.js';
import { rotateLocally } from '../../src/local/local-rotation.js';
import { createLogger } from '../../src/logger.js';
import { Rotator } from '../../src/protocol/rotator.js';
import { SecretStore } from '../../src/protocol/secret-store.js';
import { type Fault, type RotationHarness, startRotationHarness } from './rotation-harness.js';

/** A real database the shared rotation suite runs against. */
export interface DatabaseUnderTest {
  /** The secret's `engine` value. */
  readonly engine: string;
  readonly host: string;
  readonly port: number;
  readonly dbname: string;
  /** The longest user name whose `_clone` still fits. */
  readonly longestCloneable: number;
  engineFactory(hooks: EngineHooks): DatabaseEngine;
  name(prefix: string): string;
  /** A login user with the password and no privileges (MariaDB: it may not even use the test database). */
  createUser(username: string, password: string): Promise<void>;
  /** A new table `username` may read; returns a handle for canRead. */
  grantReadTable(username: string): Promise<string>;
  /** A user that can create users and grant (the master secret's user). */
  createMaster(username: string, password: string): Promise<void>;
  canLogin(username: string, password: string): Promise<boolean>;
  canRead(username: string, password: string, table: string): Promise<boolean>;
}

export const HARD_PASSWORD = `in'it "pw" \\ %s sp ace é漢字`;

/**
 * The rotation behaviours every engine family must show, through the emulator's RotateSecret invoking our
 * handler, against a real database. Registers `it` blocks in the calling describe.
 */
export function rotationSuite(setup: () => Promise<DatabaseUnderTest>): {
  harness: () => RotationHarness;
  db: () => DatabaseUnderTest;
  passwords: Set<string>;
} {
  let db: DatabaseUnderTest;
  let harness: RotationHarness;
  let masterArn: string;
  /** Every password any version held, for the log check at the end. */
  const passwords = new Set<string>([HARD_PASSWORD]);

  beforeAll(async () => {
    db = await setup();
    // Nothing excluded: generated passwords may hold quotes, backslashes and `%` too.
    harness = await startRotationHarness((hooks) => db.engineFactory(hooks), { EXCLUDE_CHARACTERS: '' });
    const masterUser = db.name('lk_master_');
    const masterPassword = `m@ster'${db.name('')}`;
    passwords.add(masterPassword);
    await db.createMaster(masterUser, masterPassword);
    masterArn = await harness.createSecret(db.name('master-'), {
      engine: db.engine,
      host: db.host,
      port: db.port,
      username: masterUser,
      password: masterPassword,
    });
  });
  afterEach(() => harness?.setInvocationsPerStep(1));
  afterAll(async () => {
    if (harness) {
      const log = harness.logText();
      expect(log).toContain('setSecret');
      for (const password of passwords) expect(log).not.toContain(password);
      expect(harness.rotationTokens.size).toBeGreaterThan(0);
      for (const token of harness.rotationTokens) expect(log).not.toContain(token);
    }
    await harness?.close();
  });

  const remember = async (secretId: string) => {
    for (const stage of ['AWSCURRENT', 'AWSPREVIOUS']) {
      const value = await harness.value(secretId, stage).catch(() => undefined);
      if (value) passwords.add(String(value.password));
    }
  };

  const logsIn = async (secretId: string, stage = 'AWSCURRENT') => {
    const value = await harness.value(secretId, stage);
    passwords.add(String(value.password));
    return db.canLogin(String(value.username), String(value.password));
  };

  const readsAs = async (secretId: string, table: string, stage = 'AWSCURRENT') => {
    const value = await harness.value(secretId, stage);
    return db.canRead(String(value.username), String(value.password), table);
  };

  const singleUserSecret = async () => {
    const username = db.name('lk_single_');
    await db.createUser(username, HARD_PASSWORD);
    await db.grantReadTable(username);
    return harness.createSecret(db.name('single-'), {
      engine: db.engine,
      host: db.host,
      port: String(db.port),
      username,
      password: HARD_PASSWORD,
      dbname: db.dbname,
      dbInstanceIdentifier: 'kept-as-is',
    });
  };

  // A user name with a quote, %, a space and non-ASCII: every identifier goes through the driver's escaping.
  const alternatingSecret = async (username = db.name("lk alt'%é_"), withTable = true) => {
    await db.createUser(username, HARD_PASSWORD);
    const table = withTable ? await db.grantReadTable(username) : undefined;
    const arn = await harness.createSecret(db.name('alt-'), {
      engine: db.engine,
      host: db.host,
      port: db.port,
      username,
      password: HARD_PASSWORD,
      // A user without privileges may not be allowed into the database: it connects without one.
      ...(withTable ? { dbname: db.dbname } : {}),
      masterarn: masterArn,
    });
    return { arn, table: table!, username };
  };

  it('single user: the new password logs in, the old one is refused, other keys are kept; twice', async () => {
    const arn = await singleUserSecret();
    expect(await harness.rotate(arn)).toMatchObject({ status: 'succeeded' });
    const current = await harness.value(arn);
    expect(current.password).not.toBe(HARD_PASSWORD);
    expect(current).toMatchObject({ port: String(db.port), dbInstanceIdentifier: 'kept-as-is' });
    expect(await logsIn(arn)).toBe(true);
    expect(await db.canLogin(String(current.username), HARD_PASSWORD)).toBe(false);
    expect((await harness.value(arn, 'AWSPREVIOUS')).password).toBe(HARD_PASSWORD);
    // A second rotation after a finished one: the first new password is refused in turn.
    expect(await harness.rotate(arn)).toMatchObject({ status: 'succeeded' });
    expect(await logsIn(arn)).toBe(true);
    expect(await logsIn(arn, 'AWSPREVIOUS')).toBe(false);
    await remember(arn);
  });

  it('single user with every step invoked twice, as the service retries: one password generated', async () => {
    const arn = await singleUserSecret();
    harness.setInvocationsPerStep(2);
    const before = harness.emu.calls('GetRandomPassword');
    expect(await harness.rotate(arn)).toMatchObject({ status: 'succeeded' });
    expect(harness.emu.calls('GetRandomPassword') - before).toBe(1);
    expect(await logsIn(arn)).toBe(true);
    await remember(arn);
  });

  it('alternating users: the clone gets the privileges, AWSPREVIOUS keeps working, users alternate', async () => {
    const { arn, table, username } = await alternatingSecret();
    harness.setInvocationsPerStep(2);
    expect(await harness.rotate(arn)).toMatchObject({ status: 'succeeded' });
    expect((await harness.value(arn)).username).toBe(`${username}_clone`);
    expect(await logsIn(arn)).toBe(true);
    expect(await readsAs(arn, table)).toBe(true);
    expect(await logsIn(arn, 'AWSPREVIOUS')).toBe(true);

    expect(await harness.rotate(arn)).toMatchObject({ status: 'succeeded' });
    expect((await harness.value(arn)).username).toBe(username);
    expect(await logsIn(arn)).toBe(true);
    expect(await logsIn(arn, 'AWSPREVIOUS')).toBe(true);
    expect(await readsAs(arn, table, 'AWSPREVIOUS')).toBe(true);
    await remember(arn);
  });

  it('alternating users: a user with no privileges and a name at the length limit', async () => {
    const username = db.name('lk_').padEnd(db.longestCloneable, 'x');
    const { arn } = await alternatingSecret(username, false);
    expect(await harness.rotate(arn)).toMatchObject({ status: 'succeeded' });
    expect((await harness.value(arn)).username).toBe(`${username}_clone`);
    expect(await logsIn(arn)).toBe(true);
    await remember(arn);
    const tooLong = await alternatingSecret(`${username}y`, false);
    const refused = await harness.rotate(tooLong.arn);
    expect(refused).toMatchObject({ status: 'failed', failedStep: 'createSecret' });
    expect(refused.error).toMatch(/would exceed/);
  });

  it('a rotation requested while one is in progress is refused; the local driver resumes it', async () => {
    const arn = await singleUserSecret();
    harness.injectFault({ step: 'testSecret', when: 'before' });
    expect((await harness.rotate(arn)).status).toBe('failed');
    await expect(
      harness.client.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: harness.lambdaArn })),
    ).rejects.toThrow();
    const logger = createLogger(undefined, 'silent');
    const rotator = new Rotator({
      engine: db.engineFactory({}),
      secretsManager: harness.client,
      logger,
      env: {},
    });
    const result = await rotateLocally(rotator, new SecretStore(harness.client), arn, {}, logger);
    expect(result.resumed).toBe(true);
    expect(await logsIn(arn)).toBe(true);
    expect(await db.canLogin(String((await harness.value(arn)).username), HARD_PASSWORD)).toBe(false);
    await remember(arn);
  });

  // Single user has one password, and neither MariaDB nor PostgreSQL keeps two: from the password change until
  // finishSecret moves AWSCURRENT, only the AWSPENDING credentials log in (the window AWS documents for this
  // strategy). The matrix pins that window down exactly and proves the retry closes it.
  const singleUserFaults: [Fault, 'current' | 'pending'][] = [
    [{ step: 'createSecret', when: 'before' }, 'current'],
    [{ step: 'createSecret', when: 'after' }, 'current'],
    [{ action: 'set-password', when: 'before' }, 'current'],
    [{ action: 'set-password', when: 'before', drop: true }, 'current'],
    [{ action: 'set-password', when: 'after' }, 'pending'],
    [{ step: 'setSecret', when: 'after' }, 'pending'],
    [{ step: 'testSecret', when: 'before' }, 'pending'],
    [{ step: 'testSecret', when: 'after' }, 'pending'],
    [{ step: 'finishSecret', when: 'before' }, 'pending'],
    [{ step: 'finishSecret', when: 'after' }, 'current'],
  ];

  it.each(singleUserFaults)(
    'single user converges after a crash at %o (meanwhile %s logs in)',
    async (fault, works) => {
      const arn = await singleUserSecret();
      harness.injectFault(fault);
      expect((await harness.rotate(arn)).status).toBe('failed');
      expect(await logsIn(arn)).toBe(works === 'current');
      if (works === 'pending') {
        const pendingVersion = Object.entries(await harness.stages(arn)).find(([, s]) =>
          s.includes('AWSPENDING'),
        )![0];
        const output = await harness.client.send(
          new GetSecretValueCommand({ SecretId: arn, VersionId: pendingVersion }),
        );
        const pending = JSON.parse(output.SecretString!) as { username: string; password: string };
        passwords.add(pending.password);
        expect(await db.canLogin(pending.username, pending.password)).toBe(true);
      }
      expect(await harness.rotate(arn)).toMatchObject({ status: 'succeeded' });
      expect(await logsIn(arn)).toBe(true);
      expect((await harness.value(arn)).password).not.toBe(HARD_PASSWORD);
      await remember(arn);
    },
  );

  const alternatingFaults: Fault[] = [
    { action: 'create-user', when: 'after' },
    { action: 'grant', when: 'before', drop: true },
    { action: 'grant', when: 'after' },
    { action: 'set-default-role', when: 'before' },
    { action: 'set-password', when: 'before' },
    { action: 'set-password', when: 'after' },
    { step: 'setSecret', when: 'after' },
    { step: 'testSecret', when: 'before' },
    { step: 'finishSecret', when: 'before' },
    { step: 'finishSecret', when: 'after' },
  ];

  it.each(alternatingFaults)(
    'alternating users converge after a crash at %o; AWSCURRENT always logs in',
    async (fault) => {
      const { arn, table } = await alternatingSecret();
      harness.injectFault(fault);
      expect((await harness.rotate(arn)).status).toBe('failed');
      expect(await logsIn(arn)).toBe(true);
      expect(await harness.rotate(arn)).toMatchObject({ status: 'succeeded' });
      expect(await logsIn(arn)).toBe(true);
      // The promoted clone has its privileges: AWS's MySQL function promotes a clone left without them (defect 1).
      expect(await readsAs(arn, table)).toBe(true);
      expect(await logsIn(arn, 'AWSPREVIOUS')).toBe(true);
      await remember(arn);
    },
  );

  return { harness: () => harness, db: () => db, passwords };
}
