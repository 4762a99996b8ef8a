import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { RowDataPacket } from 'mysql2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mariadbAvailable, SHARED_MARIADB } from '../../../../test/support/services.js';
import { mysqlEngine } from '../../src/engines/mysql/session.js';
import { type MariadbFixture, mariadbFixture } from '../support/mariadb.js';
import { type Fault, type RotationHarness, startRotationHarness } from '../support/rotation-harness.js';

const available = await mariadbAvailable();
const INITIAL_PASSWORD = `in'it "pw" \\ %s sp ace é漢字`;

describe.skipIf(!available)('rotation of MariaDB secrets through the emulator', () => {
  let db: MariadbFixture;
  let harness: RotationHarness;
  let master: { arn: string; password: string };
  /** Every password any secret version held, for the log checks. */
  const passwords = new Set<string>([INITIAL_PASSWORD]);

  beforeAll(async () => {
    db = await mariadbFixture();
    // Generated passwords may hold quotes and backslashes too: nothing is excluded.
    harness = await startRotationHarness((hooks) => mysqlEngine({ hooks }), { EXCLUDE_CHARACTERS: '' });
    const masterUser = db.name('lk_master_');
    const masterPassword = `m@ster'${db.name('')}`;
    await db.createUser(masterUser, '%', masterPassword);
    await db.exec("GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION", [masterUser]);
    master = {
      password: masterPassword,
      arn: await harness.createSecret(db.name('master-'), {
        engine: 'mariadb',
        host: SHARED_MARIADB.host,
        port: SHARED_MARIADB.port,
        username: masterUser,
        password: masterPassword,
      }),
    };
    passwords.add(masterPassword);
  });
  afterEach(() => harness?.setInvocationsPerStep(1));
  afterAll(async () => {
    if (harness) {
      for (const password of passwords) expect(harness.logText()).not.toContain(password);
    }
    await harness?.close();
    await db?.cleanup();
  });

  async function remember(secretId: string) {
    for (const stage of ['AWSCURRENT', 'AWSPREVIOUS']) {
      const value = await harness.value(secretId, stage).catch(() => undefined);
      if (value) passwords.add(String(value.password));
    }
  }

  async function logsIn(secretId: string, stage = 'AWSCURRENT') {
    const value = await harness.value(secretId, stage);
    passwords.add(String(value.password));
    return db.canLogin(String(value.username), String(value.password), value.dbname as string | undefined);
  }

  async function singleUserSecret(username = db.name('lk_single_'), host = '%') {
    await db.createUser(username, host, INITIAL_PASSWORD);
    await db.exec(`GRANT SELECT ON ${db.database}.* TO ?@?`, [username, host]);
    return harness.createSecret(db.name('single-'), {
      engine: 'mariadb',
      host: SHARED_MARIADB.host,
      port: String(SHARED_MARIADB.port),
      username,
      password: INITIAL_PASSWORD,
      dbname: db.database,
      dbInstanceIdentifier: 'kept-as-is',
    });
  }

  async function alternatingSecret(username = db.name('lk_alt_'), host = '%') {
    await db.createUser(username, host, INITIAL_PASSWORD);
    const table = `${username}_t`;
    await db.exec(`CREATE TABLE ${db.database}.\`${table}\` (a int)`);
    await db.exec(`GRANT SELECT ON ${db.database}.\`${table}\` TO ?@?`, [username, host]);
    const arn = await harness.createSecret(db.name('alt-'), {
      engine: 'mariadb',
      host: SHARED_MARIADB.host,
      port: SHARED_MARIADB.port,
      username,
      password: INITIAL_PASSWORD,
      dbname: db.database,
      masterarn: master.arn,
    });
    return { arn, table, username, host };
  }

  /** The clone uses the grant: selecting from the table the original user can read. */
  async function canReadAs(secretId: string, table: string, stage = 'AWSCURRENT') {
    const value = await harness.value(secretId, stage);
    const { createConnection } = await import('mysql2/promise');
    const connection = await createConnection({
      host: SHARED_MARIADB.host,
      port: SHARED_MARIADB.port,
      user: String(value.username),
      password: String(value.password),
      charset: 'utf8mb4',
    });
    try {
      await connection.query(`SELECT * FROM ${db.database}.\`${table}\``);
      return true;
    } catch {
      return false;
    } finally {
      await connection.end();
    }
  }

  it('single user: the new password logs in, the old one is refused, other keys are kept', async () => {
    const arn = await singleUserSecret();
    const outcome = await harness.rotate(arn);
    expect(outcome).toMatchObject({ status: 'succeeded' });
    const current = await harness.value(arn);
    expect(current.password).not.toBe(INITIAL_PASSWORD);
    expect(current).toMatchObject({ port: '3306', dbInstanceIdentifier: 'kept-as-is' });
    expect(await logsIn(arn)).toBe(true);
    expect(await db.canLogin(String(current.username), INITIAL_PASSWORD)).toBe(false);
    expect((await harness.value(arn, 'AWSPREVIOUS')).password).toBe(INITIAL_PASSWORD);

    // A second rotation after a finished one.
    expect(await harness.rotate(arn)).toMatchObject({ status: 'succeeded' });
    expect(await logsIn(arn)).toBe(true);
    expect(await logsIn(arn, 'AWSPREVIOUS')).toBe(false);
    await remember(arn);
  });

  it('single user on a host other than % (the account in use changes), each step invoked twice', async () => {
    const username = db.name('lk_host_');
    await db.createUser(username, '%', 'other-host-password');
    const arn = await singleUserSecret(username, '127.0.0.1');
    harness.setInvocationsPerStep(2);
    const randomCalls = harness.emu.calls('GetRandomPassword');
    expect(await harness.rotate(arn)).toMatchObject({ status: 'succeeded' });
    expect(harness.emu.calls('GetRandomPassword') - randomCalls).toBe(1);
    expect(await logsIn(arn)).toBe(true);
    const [rows] = await db.root.query<RowDataPacket[]>(
      "SELECT Host AS h FROM mysql.user WHERE User = ? AND authentication_string = PASSWORD('other-host-password')",
      [username],
    );
    expect(rows.map((row) => row.h)).toEqual(['%']);
    await remember(arn);
  });

  it('alternating users: the clone gets the privileges, AWSPREVIOUS keeps working, users alternate', async () => {
    const { arn, table, username } = await alternatingSecret();
    expect(await harness.rotate(arn)).toMatchObject({ status: 'succeeded' });
    expect((await harness.value(arn)).username).toBe(`${username}_clone`);
    expect(await logsIn(arn)).toBe(true);
    expect(await canReadAs(arn, table)).toBe(true);
    expect(await logsIn(arn, 'AWSPREVIOUS')).toBe(true);

    expect(await harness.rotate(arn)).toMatchObject({ status: 'succeeded' });
    expect((await harness.value(arn)).username).toBe(username);
    expect(await logsIn(arn)).toBe(true);
    expect(await logsIn(arn, 'AWSPREVIOUS')).toBe(true);
    expect(await canReadAs(arn, table, 'AWSPREVIOUS')).toBe(true);
    await remember(arn);
  });

  it('alternating users at the 80-character MariaDB limit, a user with no privileges, on host 127.0.0.1', async () => {
    const username = db.name('lk_').padEnd(74, 'x');
    await db.createUser(username, '127.0.0.1', INITIAL_PASSWORD);
    const arn = await harness.createSecret(db.name('limit-'), {
      engine: 'mariadb',
      host: SHARED_MARIADB.host,
      username,
      password: INITIAL_PASSWORD,
      masterarn: master.arn,
    });
    expect(await harness.rotate(arn)).toMatchObject({ status: 'succeeded' });
    const clone = `${username}_clone`;
    expect(clone).toHaveLength(80);
    expect((await harness.value(arn)).username).toBe(clone);
    expect(await logsIn(arn)).toBe(true);
    const [rows] = await db.root.query<RowDataPacket[]>('SELECT Host AS h FROM mysql.user WHERE User = ?', [
      clone,
    ]);
    expect(rows.map((row) => row.h)).toEqual(['127.0.0.1']);
    await remember(arn);
  });

  it('refuses an RDS-managed master secret that holds only username and password, saying what is missing', async () => {
    const rdsMaster = await harness.createSecret(db.name('rds-db-'), { username: 'admin', password: 'x' });
    const username = db.name('lk_rds_');
    await db.createUser(username, '%', INITIAL_PASSWORD);
    const arn = await harness.createSecret(db.name('rds-child-'), {
      engine: 'mariadb',
      host: SHARED_MARIADB.host,
      username,
      password: INITIAL_PASSWORD,
      masterarn: rdsMaster,
    });
    const outcome = await harness.rotate(arn);
    expect(outcome).toMatchObject({ status: 'failed', failedStep: 'setSecret' });
    expect(outcome.error).toMatch(/only username and password.*needs 'host'/);
    expect(await logsIn(arn)).toBe(true);
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
    'single user converges after a crash: %o (then %s logs in)',
    async (fault, works) => {
      const arn = await singleUserSecret();
      harness.injectFault(fault);
      const failed = await harness.rotate(arn);
      expect(failed.status).toBe('failed');
      expect(await logsIn(arn)).toBe(works === 'current');
      if (works === 'pending') {
        const pendingVersion = Object.entries(await harness.stages(arn)).find(([, s]) =>
          s.includes('AWSPENDING'),
        )![0];
        const pending = await harness.client.send(
          new GetSecretValueCommand({ SecretId: arn, VersionId: pendingVersion }),
        );
        const value = JSON.parse(pending.SecretString!) as { username: string; password: string };
        passwords.add(value.password);
        expect(await db.canLogin(value.username, value.password, db.database)).toBe(true);
      }
      expect(await harness.rotate(arn)).toMatchObject({ status: 'succeeded' });
      expect(await logsIn(arn)).toBe(true);
      expect((await harness.value(arn)).password).not.toBe(INITIAL_PASSWORD);
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

  it.each(alternatingFaults)('alternating users converge after a crash: %o', async (fault) => {
    const { arn, table } = await alternatingSecret();
    harness.injectFault(fault);
    expect((await harness.rotate(arn)).status).toBe('failed');
    expect(await logsIn(arn)).toBe(true);
    expect(await harness.rotate(arn)).toMatchObject({ status: 'succeeded' });
    expect(await logsIn(arn)).toBe(true);
    // The promoted clone has its grants: AWS's function promotes a clone left without them (defect 1).
    expect(await canReadAs(arn, table)).toBe(true);
    expect(await logsIn(arn, 'AWSPREVIOUS')).toBe(true);
    await remember(arn);
  });
});
