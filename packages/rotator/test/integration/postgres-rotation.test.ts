import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { scramSha256Verifier } from '../../src/engines/postgres/password-verifier.js';
import { postgresEngine } from '../../src/engines/postgres/session.js';
import { type PostgresFixture, postgresFixture } from '../support/postgres.js';
import { rotationSuite } from '../support/rotation-suite.js';

const { escapeIdentifier: id, escapeLiteral: lit } = pg;

describe('rotation of PostgreSQL secrets through the emulator (scram-sha-256, log_statement=all)', () => {
  let fixture: PostgresFixture;
  // The test's own CREATE ROLE statements send verifiers too, so every plaintext in the server log would be ours.
  const createRole = (username: string, password: string, attributes = '') =>
    fixture.exec(
      `CREATE ROLE ${id(username)} LOGIN ${attributes} PASSWORD ${lit(scramSha256Verifier(password))}`,
    );

  const suite = rotationSuite(async () => {
    fixture = await postgresFixture();
    const db = fixture;
    return {
      engine: 'postgres',
      host: db.cluster.host,
      port: db.cluster.port,
      dbname: db.cluster.database,
      longestCloneable: 57,
      engineFactory: (hooks) => postgresEngine({ hooks }),
      name: (prefix) => db.name(prefix),
      createUser: async (username, password) => {
        await createRole(username, password);
      },
      async grantReadTable(username) {
        const table = `${username}_t`;
        await db.exec(`CREATE TABLE ${id(table)} (a int)`);
        await db.exec(`GRANT SELECT ON ${id(table)} TO ${id(username)}`);
        return table;
      },
      // Like an RDS master: CREATEROLE, not a superuser.
      createMaster: async (username, password) => {
        await createRole(username, password, 'CREATEROLE');
      },
      canLogin: (username, password) => db.canLogin(username, password),
      async canRead(username, password, table) {
        try {
          await db.execAs(username, password, `SELECT * FROM ${id(table)}`);
          return true;
        } catch {
          return false;
        }
      },
    };
  });
  afterAll(async () => {
    if (fixture) {
      const log = await fixture.cluster.readLog();
      expect(log).toContain('ALTER ROLE');
      for (const password of suite.passwords) expect(log).not.toContain(password);
    }
    await fixture?.stop();
  });

  it('tables the clone creates stay readable by the original user (AWS issues #38, #175)', async () => {
    const harness = suite.harness();
    const username = fixture.name('lk_owner_');
    await createRole(username, 'owner-pw');
    await fixture.exec(`GRANT CREATE ON SCHEMA public TO ${id(username)}`);
    const masterUser = fixture.name('lk_m_');
    await createRole(masterUser, 'master-pw', 'CREATEROLE');
    const master = await harness.createSecret(fixture.name('m-'), {
      engine: 'postgres',
      host: fixture.cluster.host,
      port: fixture.cluster.port,
      username: masterUser,
      password: 'master-pw',
    });
    const arn = await harness.createSecret(fixture.name('owner-'), {
      engine: 'aurora-postgresql',
      host: fixture.cluster.host,
      port: fixture.cluster.port,
      username,
      password: 'owner-pw',
      masterarn: master,
    });
    expect(await harness.rotate(arn)).toMatchObject({ status: 'succeeded' });
    const clone = await harness.value(arn);
    suite.passwords.add(String(clone.password));
    const table = `${username}_made_by_clone`;
    await fixture.execAs(String(clone.username), String(clone.password), `CREATE TABLE ${id(table)} (a int)`);
    await expect(fixture.execAs(username, 'owner-pw', `SELECT * FROM ${id(table)}`)).resolves.toBeDefined();
  });
});
