import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Credentials, EngineHooks } from '../../src/engines/engine.js';
import { postgresEngine } from '../../src/engines/postgres/session.js';
import { VerificationError } from '../../src/errors.js';
import { type PostgresFixture, postgresFixture } from '../support/postgres.js';

const logger = pino({ level: 'silent' });
const HARD_PASSWORD = `q'u"o\\te %s {x} ;+ sp ace é漢字`;
const { escapeIdentifier: id, escapeLiteral: lit } = pg;

describe('PostgreSQL engine against a scram-sha-256 cluster with log_statement=all', () => {
  let db: PostgresFixture;
  beforeAll(async () => {
    db = await postgresFixture();
  });
  afterAll(async () => {
    await db?.stop();
  });

  const creds = (username: string, password: string, dbname?: string): Credentials => ({
    host: db.cluster.host,
    port: db.cluster.port,
    username,
    password,
    dbname,
    tls: 'prefer',
  });

  it('changes its own password by sending a SCRAM verifier: the plaintext is never in the server log', async () => {
    const user = db.name('Odd "User" %é ');
    await db.exec(`CREATE ROLE ${id(user)} LOGIN PASSWORD ${lit('old-password')}`);
    const session = await postgresEngine().connect(creds(user, 'old-password'), logger);
    await session.changeOwnPassword(HARD_PASSWORD);
    await session.close();
    expect(await db.canLogin(user, HARD_PASSWORD)).toBe(true);
    expect(await db.canLogin(user, 'old-password')).toBe(false);
    const log = await db.cluster.readLog();
    expect(log).toContain('ALTER ROLE');
    expect(log).toContain('SCRAM-SHA-256$4096:');
    expect(log).not.toContain(HARD_PASSWORD);
    expect(log).not.toContain('sp ace é漢字');
  });

  it('clones through membership in one transaction: a crash leaves nothing, the retry converges', async () => {
    const user = db.name('app_');
    const clone = `${user}_clone`;
    await db.exec(`CREATE ROLE ${id(user)} LOGIN PASSWORD ${lit('app-pass')}`);
    await db.exec(`CREATE TABLE ${id(`${user}_t`)} (a int)`);
    await db.exec(`GRANT SELECT ON ${id(`${user}_t`)} TO ${id(user)}`);
    await db.exec(`GRANT CREATE ON SCHEMA public TO ${id(user)}`);

    let crash = true;
    const hooks: EngineHooks = {
      onStatement: (event) => {
        if (crash && event.phase === 'after' && event.action === 'create-user') {
          crash = false;
          event.dropConnection();
        }
      },
    };
    const engine = postgresEngine({ hooks });
    const master = () => engine.connect(creds(db.cluster.superuser, db.cluster.superuserPassword), logger);
    const first = await master();
    await expect(
      first.convergeClone({ username: user }, { username: clone, password: HARD_PASSWORD }),
    ).rejects.toThrow();
    await first.close();
    expect((await db.exec('SELECT 1 FROM pg_roles WHERE rolname = $1', [clone])).rowCount).toBe(0);

    const retry = await master();
    await retry.convergeClone({ username: user }, { username: clone, password: HARD_PASSWORD });
    await retry.convergeClone({ username: user }, { username: clone, password: HARD_PASSWORD });
    await retry.close();

    const pending = await engine.connect(creds(clone, HARD_PASSWORD), logger);
    const current = await engine.connect(creds(user, 'app-pass'), logger);
    await pending.assertSamePrivilegesAs(current);
    await pending.close();
    await current.close();

    // Tables the clone creates belong to the original user, so the original can read them (AWS issues #38, #175).
    await db.execAs(clone, HARD_PASSWORD, `CREATE TABLE ${id(`${user}_made_by_clone`)} (a int)`);
    await expect(
      db.execAs(user, 'app-pass', `SELECT * FROM ${id(`${user}_made_by_clone`)}`),
    ).resolves.toBeDefined();

    // The reverse rotation: the original becomes pending again and only gets a password.
    const back = await master();
    await back.convergeClone({ username: clone }, { username: user, password: 'new-app-pass' });
    await back.close();
    expect(await db.canLogin(user, 'new-app-pass')).toBe(true);
    expect(await db.canLogin(clone, HARD_PASSWORD)).toBe(true);
    expect(
      (
        await db.exec(
          'SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = $1',
          [clone],
        )
      ).rowCount,
    ).toBe(0);
    expect(await db.cluster.readLog()).not.toContain('sp ace é漢字');
  });

  it('two rotations converging the same clone at once take turns instead of colliding on CREATE ROLE', async () => {
    const user = db.name('race_');
    await db.exec(`CREATE ROLE ${id(user)} LOGIN PASSWORD 'race-pw'`);
    const engine = postgresEngine();
    const sessions = await Promise.all(
      [1, 2].map(() => engine.connect(creds(db.cluster.superuser, db.cluster.superuserPassword), logger)),
    );
    await Promise.all(
      sessions.map((session) =>
        session.convergeClone({ username: user }, { username: `${user}_clone`, password: 'c-pw' }),
      ),
    );
    for (const session of sessions) await session.close();
    expect(await db.canLogin(`${user}_clone`, 'c-pw')).toBe(true);
  });

  it('TLS: ssl true never falls back to plain; absent falls back and says so', async () => {
    const user = db.name('tls_');
    await db.exec(`CREATE ROLE ${id(user)} LOGIN PASSWORD 'tls-pw'`);
    const lines: string[] = [];
    const captured = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    await expect(
      postgresEngine().connect({ ...creds(user, 'tls-pw'), tls: 'require' }, captured),
    ).rejects.toThrow(/does not support SSL/);
    expect(lines).toEqual([]);
    await (await postgresEngine().connect(creds(user, 'tls-pw'), captured)).close();
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual([
      expect.stringMatching(/fell back to a plain connection/),
    ]);
  });

  it('fails the privilege check for a role that is not a member', async () => {
    const user = db.name('lone_');
    const other = db.name('other_');
    await db.exec(`CREATE ROLE ${id(user)} LOGIN PASSWORD 'a'`);
    await db.exec(`CREATE ROLE ${id(other)} LOGIN PASSWORD 'b'`);
    const a = await postgresEngine().connect(creds(user, 'a'), logger);
    const b = await postgresEngine().connect(creds(other, 'b'), logger);
    await expect(b.assertSamePrivilegesAs(a)).rejects.toBeInstanceOf(VerificationError);
    await a.close();
    await b.close();
  });
});

describe('PostgreSQL engine on a server whose password_encryption is md5', () => {
  let db: PostgresFixture;
  beforeAll(async () => {
    db = await postgresFixture({ passwordEncryption: 'md5' });
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('sends an md5 verifier, which the server accepts for login', async () => {
    const user = db.name('md5_');
    await db.exec(`CREATE ROLE ${id(user)} LOGIN PASSWORD ${lit('old-pw')}`);
    const credentials = {
      host: db.cluster.host,
      port: db.cluster.port,
      dbname: undefined,
      tls: 'disable' as const,
    };
    const session = await postgresEngine().connect(
      { ...credentials, username: user, password: 'old-pw' },
      logger,
    );
    await session.changeOwnPassword(HARD_PASSWORD);
    await session.close();
    expect(await db.canLogin(user, HARD_PASSWORD)).toBe(true);
    expect(await db.canLogin(user, 'old-pw')).toBe(false);
    const stored = await db.exec('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [user]);
    expect(String(stored.rows[0]?.rolpassword)).toMatch(/^md5[0-9a-f]{32}$/);
  });
});
