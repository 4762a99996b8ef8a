import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mariadbAvailable, SHARED_MARIADB } from '../../../../test/support/services.js';
import type { Credentials, EngineHooks } from '../../src/engines/engine.js';
import { mysqlEngine } from '../../src/engines/mysql/session.js';
import { DatabaseStatementError, VerificationError } from '../../src/errors.js';
import { type MariadbFixture, mariadbFixture } from '../support/mariadb.js';

const available = await mariadbAvailable();
const logger = pino({ level: 'silent' });
const HARD_PASSWORD = `q'u"o\\te %s {x} ;+ sp ace é漢字`;

describe.skipIf(!available)('MySQL-family engine against MariaDB', () => {
  let db: MariadbFixture;
  beforeAll(async () => {
    db = await mariadbFixture();
  });
  afterAll(async () => {
    await db?.cleanup();
  });

  const creds = (username: string, password: string, dbname?: string): Credentials => ({
    host: SHARED_MARIADB.host,
    port: SHARED_MARIADB.port,
    username,
    password,
    dbname,
    tls: 'prefer',
  });

  it('changes its own password, with quotes, backslash, %, spaces and non-ASCII, on the host in use', async () => {
    const user = db.name("o'dd %u");
    await db.createUser(user, '%', 'first');
    await db.createUser(user, '127.0.0.1', 'local');
    const session = await mysqlEngine().connect(creds(user, 'local'), logger);
    expect(await session.account()).toEqual({ username: user, host: '127.0.0.1' });
    await session.changeOwnPassword(HARD_PASSWORD);
    await session.close();
    expect(await db.canLogin(user, HARD_PASSWORD)).toBe(true);
    expect(await db.canLogin(user, 'local')).toBe(false);
    // The '%' account is untouched: only the account actually in use changed.
    const [rows] = await db.root.query<import('mysql2').RowDataPacket[]>(
      'SELECT Host AS h, authentication_string = PASSWORD(?) AS same FROM mysql.user WHERE User = ? ORDER BY Host',
      ['first', user],
    );
    expect(rows.map((r) => [r.h, Number(r.same)])).toEqual([
      ['%', 1],
      ['127.0.0.1', 0],
    ]);
  });

  it('clones a user with its grants, grant option, role and default role, and converges after a crash', async () => {
    const role = db.name('lk_role_');
    const user = db.name('lk_app_');
    await db.exec(`CREATE TABLE ${db.database}.t (a int)`);
    await db.exec(`CREATE TABLE ${db.database}.\`x TO y\` (a int)`);
    await db.exec('CREATE ROLE ?', [role]);
    await db.exec(`GRANT SELECT ON ${db.database}.t TO ?`, [role]);
    await db.createUser(user, '%', 'app-pass');
    await db.exec(`GRANT INSERT ON ${db.database}.\`x TO y\` TO ?@'%' WITH GRANT OPTION`, [user]);
    await db.exec('GRANT ? TO ?@?', [role, user, '%']);
    await db.exec('SET DEFAULT ROLE ? FOR ?@?', [role, user, '%']);

    const clone = `${user}_clone`;
    let crashAfter: string | undefined = 'create-user';
    const hooks: EngineHooks = {
      onStatement: (event) => {
        if (event.phase === 'after' && event.action === crashAfter) {
          crashAfter = undefined;
          throw new Error('injected crash');
        }
      },
    };
    const engine = mysqlEngine({ hooks });
    const master = () => engine.connect(creds(SHARED_MARIADB.user, SHARED_MARIADB.password), logger);
    const source = { username: user, host: '%' };

    const first = await master();
    await expect(first.convergeClone(source, { username: clone, password: HARD_PASSWORD })).rejects.toThrow(
      'injected crash',
    );
    await first.close();
    // The crash left a clone that logs in but has no grants: it must not pass the test.
    const pendingEarly = await engine.connect(creds(clone, HARD_PASSWORD), logger);
    const currentSession = await engine.connect(creds(user, 'app-pass'), logger);
    await expect(pendingEarly.assertSamePrivilegesAs(currentSession)).rejects.toBeInstanceOf(
      VerificationError,
    );
    await pendingEarly.close();

    // A stray extra grant on the clone is revoked on the retry.
    await db.exec(`GRANT DELETE ON ${db.database}.t TO ?@'%'`, [clone]);
    const retry = await master();
    await retry.convergeClone(source, { username: clone, password: HARD_PASSWORD });
    await retry.close();

    const pending = await engine.connect(creds(clone, HARD_PASSWORD, db.database), logger);
    await pending.assertSamePrivilegesAs(currentSession);
    await currentSession.close();
    await pending.close();

    const [grants] = await db.root.query<import('mysql2').RowDataPacket[]>(`SHOW GRANTS FOR ?@'%'`, [clone]);
    const text = grants.map((row) => String(Object.values(row)[0])).join('\n');
    expect(text).toContain('WITH GRANT OPTION');
    expect(text).toContain(`SET DEFAULT ROLE \`${role}\``);
    expect(text).not.toContain('DELETE');
    // Using a privilege that came through the default role.
    const conn = await (await import('mysql2/promise')).createConnection({
      host: SHARED_MARIADB.host,
      port: SHARED_MARIADB.port,
      user: clone,
      password: HARD_PASSWORD,
      charset: 'utf8mb4',
    });
    await expect(conn.query(`SELECT * FROM ${db.database}.t`)).resolves.toBeDefined();
    await conn.end();
  });

  it('two rotations converging the same clone at once take turns instead of colliding on CREATE USER', async () => {
    const user = db.name('lk_race_');
    await db.createUser(user, '%', 'race-pw');
    await db.exec(`GRANT SELECT ON ${db.database}.* TO ?@'%'`, [user]);
    const engine = mysqlEngine();
    const sessions = await Promise.all(
      [1, 2].map(() => engine.connect(creds(SHARED_MARIADB.user, SHARED_MARIADB.password), logger)),
    );
    await Promise.all(
      sessions.map((session) =>
        session.convergeClone(
          { username: user, host: '%' },
          { username: `${user}_clone`, password: 'clone-pw' },
        ),
      ),
    );
    for (const session of sessions) await session.close();
    expect(await db.canLogin(`${user}_clone`, 'clone-pw', db.database)).toBe(true);
  });

  it('TLS: ssl true never falls back; absent tries TLS and logs the fallback; false connects plain', async () => {
    const user = db.name('lk_tls_');
    await db.createUser(user, '%', 'tls-pw');
    const lines: string[] = [];
    const captured = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    await expect(
      mysqlEngine().connect({ ...creds(user, 'tls-pw'), tls: 'require' }, captured),
    ).rejects.toThrow();
    expect(lines).toEqual([]);
    await (await mysqlEngine().connect({ ...creds(user, 'tls-pw'), tls: 'disable' }, captured)).close();
    expect(lines).toEqual([]);
    await (await mysqlEngine().connect({ ...creds(user, 'tls-pw'), tls: 'prefer' }, captured)).close();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 40,
      username: user,
      msg: expect.stringMatching(/fell back/),
    });
  });

  it('reports a failed statement by purpose and code, never with the SQL or password', async () => {
    const user = db.name('lk_nopriv_');
    await db.createUser(user, '%', 'pw-1');
    const session = await mysqlEngine().connect(creds(user, 'pw-1'), logger);
    const error = await session
      .convergeClone({ username: user, host: '%' }, { username: `${user}_clone`, password: 'SECRET-PW-xyz' })
      .catch((caught: unknown) => caught);
    await session.close();
    expect(error).toBeInstanceOf(DatabaseStatementError);
    expect(JSON.stringify(error)).not.toContain('SECRET-PW-xyz');
    expect(String(error)).not.toContain('SECRET-PW-xyz');
  });
});
