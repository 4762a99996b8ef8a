import { createConnection, format, type RowDataPacket } from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { mariadbAvailable, SHARED_MARIADB } from '../../../../test/support/services.js';
import { mysqlEngine } from '../../src/engines/mysql/session.js';
import { type MariadbFixture, mariadbFixture } from '../support/mariadb.js';
import { HARD_PASSWORD, rotationSuite } from '../support/rotation-suite.js';

const available = await mariadbAvailable();

describe.skipIf(!available)('rotation of MariaDB secrets through the emulator', () => {
  let fixture: MariadbFixture;
  const suite = rotationSuite(async () => {
    fixture = await mariadbFixture();
    const db = fixture;
    return {
      engine: 'mariadb',
      host: SHARED_MARIADB.host,
      port: SHARED_MARIADB.port,
      dbname: db.database,
      longestCloneable: 74,
      engineFactory: (hooks) => mysqlEngine({ hooks }),
      name: (prefix) => db.name(prefix),
      async createUser(username, password) {
        await db.createUser(username, '%', password);
      },
      async grantReadTable(username) {
        const table = `${username}_t`;
        await db.exec(`CREATE TABLE ${db.database}.\`${table}\` (a int)`);
        await db.exec(`GRANT SELECT ON ${db.database}.\`${table}\` TO ?@'%'`, [username]);
        return table;
      },
      async createMaster(username, password) {
        await db.createUser(username, '%', password);
        await db.exec("GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION", [username]);
      },
      canLogin: (username, password) => db.canLogin(username, password),
      async canRead(username, password, table) {
        const connection = await createConnection({
          host: SHARED_MARIADB.host,
          port: SHARED_MARIADB.port,
          user: username,
          password,
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
      },
    };
  });
  afterAll(async () => {
    await fixture?.cleanup();
  });

  it('single user on a host other than %: the account in use changes, the other is untouched', async () => {
    const harness = suite.harness();
    const username = fixture.name('lk_host_');
    await fixture.createUser(username, '%', 'other-host-password');
    await fixture.createUser(username, '127.0.0.1', HARD_PASSWORD);
    const arn = await harness.createSecret(fixture.name('host-'), {
      engine: 'mysql',
      host: SHARED_MARIADB.host,
      username,
      password: HARD_PASSWORD,
    });
    expect(await harness.rotate(arn)).toMatchObject({ status: 'succeeded' });
    const current = await harness.value(arn);
    suite.passwords.add(String(current.password));
    expect(await fixture.canLogin(username, String(current.password))).toBe(true);
    const [rows] = await fixture.root.query<RowDataPacket[]>(
      format(
        "SELECT Host AS h FROM mysql.user WHERE User = ? AND authentication_string = PASSWORD('other-host-password')",
        [username],
      ),
    );
    expect(rows.map((row) => row.h)).toEqual(['%']);
  });

  it('alternating users on host 127.0.0.1: the clone is created on that host', async () => {
    const harness = suite.harness();
    const username = fixture.name('lk_althost_');
    await fixture.createUser(username, '127.0.0.1', HARD_PASSWORD);
    const masterUser = fixture.name('lk_m_');
    await fixture.createUser(masterUser, '%', 'master-pw');
    await fixture.exec("GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION", [masterUser]);
    const master = await harness.createSecret(fixture.name('m-'), {
      engine: 'mariadb',
      host: SHARED_MARIADB.host,
      username: masterUser,
      password: 'master-pw',
    });
    const arn = await harness.createSecret(fixture.name('althost-'), {
      engine: 'mariadb',
      host: SHARED_MARIADB.host,
      username,
      password: HARD_PASSWORD,
      masterarn: master,
    });
    expect(await harness.rotate(arn)).toMatchObject({ status: 'succeeded' });
    suite.passwords.add(String((await harness.value(arn)).password));
    const [rows] = await fixture.root.query<RowDataPacket[]>(
      'SELECT Host AS h FROM mysql.user WHERE User = ?',
      [`${username}_clone`],
    );
    expect(rows.map((row) => row.h)).toEqual(['127.0.0.1']);
  });

  it('a secret saying "ssl": "require" fails on a server without TLS instead of rotating in plain text', async () => {
    const harness = suite.harness();
    const username = fixture.name('lk_tlsreq_');
    await fixture.createUser(username, '%', HARD_PASSWORD);
    const arn = await harness.createSecret(fixture.name('tls-require-'), {
      engine: 'mariadb',
      host: SHARED_MARIADB.host,
      port: String(SHARED_MARIADB.port),
      username,
      password: HARD_PASSWORD,
      ssl: 'require',
    });
    const outcome = await harness.rotate(arn);
    expect(outcome).toMatchObject({ status: 'failed', failedStep: 'setSecret' });
    expect(outcome.error).toMatch(/unable to log into the database/);
    const lines = harness
      .logText()
      .split('\n')
      .filter((line) => line.includes(arn));
    expect(lines.filter((line) => line.includes('fell back to a plain connection'))).toEqual([]);
    expect(await fixture.canLogin(username, HARD_PASSWORD)).toBe(true);
    expect((await harness.value(arn)).password).toBe(HARD_PASSWORD);
  });

  it('refuses an RDS-managed master secret that holds only username and password, saying what is missing', async () => {
    const harness = suite.harness();
    const rdsMaster = await harness.createSecret(fixture.name('rds-db-'), {
      username: 'admin',
      password: 'x',
    });
    const username = fixture.name('lk_rds_');
    await fixture.createUser(username, '%', HARD_PASSWORD);
    const arn = await harness.createSecret(fixture.name('rds-child-'), {
      engine: 'mariadb',
      host: SHARED_MARIADB.host,
      username,
      password: HARD_PASSWORD,
      masterarn: rdsMaster,
    });
    const outcome = await harness.rotate(arn);
    expect(outcome).toMatchObject({ status: 'failed', failedStep: 'setSecret' });
    expect(outcome.error).toMatch(/only username and password.*needs 'host'/);
    expect(await fixture.canLogin(username, HARD_PASSWORD)).toBe(true);
  });
});
