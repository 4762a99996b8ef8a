import { createHash } from 'node:crypto';
import { VERIFIED_TLS } from '@latchkey/sdk/db';
import { type Connection, createConnection, format, type RowDataPacket } from 'mysql2/promise';
import type { Logger } from 'pino';
import { DatabaseStatementError, VerificationError } from '../../errors.js';
import {
  type Account,
  type Credentials,
  type DatabaseEngine,
  type EngineOptions,
  type EngineSession,
  type ResolvedEngineOptions,
  resolveEngineOptions,
  withHooks,
} from '../engine.js';
import { connectWithTlsMode, errorCode } from '../tls.js';
import {
  type GrantLine,
  grantFingerprint,
  grantStatementFor,
  parseGrantLine,
  quoteAccount,
  revokeStatementsFor,
} from './grants.js';
import {
  createUserStatement,
  mariadbNoDefaultRoleStatement,
  mysqlDefaultRolesStatement,
  ownPasswordStatement,
  passwordForStatement,
  requireStatement,
  sessionSettingStatements,
  type TlsRequirement,
} from './statements.js';
import { type MysqlCapabilities, mysqlCapabilities, parseMysqlVersion } from './version.js';

const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

class MysqlSession implements EngineSession {
  constructor(
    private readonly connection: Connection,
    private readonly caps: MysqlCapabilities,
    private readonly options: ResolvedEngineOptions,
  ) {}

  /** Runs one statement; a failure becomes an error naming `action` and the driver code, never the SQL. */
  private async query<T extends RowDataPacket>(
    action: string,
    sql: string,
    values?: unknown[],
  ): Promise<T[]> {
    try {
      const [rows] = await this.connection.query<T[]>(sql, values);
      return rows;
    } catch (error) {
      throw new DatabaseStatementError(action, errorCode(error));
    }
  }

  /** A statement with a side effect, with the hooks around it. */
  private change(action: string, sql: string): Promise<unknown> {
    return withHooks(
      this.options.hooks,
      action,
      () => this.connection.destroy(),
      () => this.query(action, sql),
    );
  }

  async account(): Promise<Account> {
    const [row] = await this.query<RowDataPacket>('current-user', 'SELECT CURRENT_USER() AS account');
    const text = String(row?.account ?? '');
    const at = text.lastIndexOf('@');
    return at < 0 ? { username: text, host: '%' } : { username: text.slice(0, at), host: text.slice(at + 1) };
  }

  async ping(): Promise<void> {
    await this.query('select-now', 'SELECT NOW()');
  }

  async changeOwnPassword(newPassword: string): Promise<void> {
    await this.change('set-password', ownPasswordStatement(this.caps, newPassword));
  }

  private async grantLines(action: string, account: Account | 'self'): Promise<GrantLine[]> {
    const rows = await this.query<RowDataPacket>(
      action,
      account === 'self' ? 'SHOW GRANTS FOR CURRENT_USER()' : `SHOW GRANTS FOR ${quoteAccount(account)}`,
    );
    return rows
      .map((row) => parseGrantLine(String(Object.values(row)[0] ?? '')))
      .filter((line): line is GrantLine => line !== undefined);
  }

  async convergeClone(source: Account, clone: { username: string; password: string }): Promise<void> {
    const target: Account = { username: clone.username, host: source.host ?? '%' };
    // Two rotations working on the same account (two secrets for one user, or an overlapping retry) take turns.
    // MySQL lock names are limited to 64 characters, so the account is hashed into it.
    const lockName = `latchkey-rotate:${createHash('sha256').update(quoteAccount(target)).digest('hex').slice(0, 40)}`;
    const lockSeconds = Math.max(1, Math.ceil(this.options.lockTimeoutMs / 1000));
    const [lock] = await this.query<RowDataPacket>('lock-account', 'SELECT GET_LOCK(?, ?) AS acquired', [
      lockName,
      lockSeconds,
    ]);
    if (Number(lock?.acquired) !== 1) throw new DatabaseStatementError('lock-account', 'LOCK_WAIT_TIMEOUT');
    try {
      await this.convergeLocked(source, target, clone.password);
    } finally {
      await this.connection.query('SELECT RELEASE_LOCK(?)', [lockName]).catch(() => undefined);
    }
  }

  private async convergeLocked(source: Account, target: Account, password: string): Promise<void> {
    const existing = await this.query<RowDataPacket>(
      'find-user',
      'SELECT 1 FROM mysql.user WHERE User = ? AND Host = ?',
      [target.username, target.host],
    );
    if (existing.length === 0) await this.change('create-user', createUserStatement(target, password));

    const wanted = await this.grantLines('show-grants', source);
    const held = await this.grantLines('show-grants', target);
    // Revoke first what the clone holds and the source does not (AWS's function only ever adds, so the users
    // drift apart), then grant everything the source holds, which is idempotent.
    const wantedPrints = new Set(wanted.map(grantFingerprint));
    for (const line of held) {
      if (wantedPrints.has(grantFingerprint(line))) continue;
      for (const statement of revokeStatementsFor(line, target)) await this.change('revoke', statement);
    }
    for (const line of wanted) {
      if (line.kind === 'grant' || line.kind === 'revoke') {
        await this.change(line.kind, grantStatementFor(line, target));
      }
    }

    const [requirement] = await this.query<RowDataPacket & TlsRequirement>(
      'read-tls-requirement',
      'SELECT ssl_type, ssl_cipher, x509_issuer, x509_subject FROM mysql.user WHERE User = ? AND Host = ?',
      [source.username, source.host ?? '%'],
    );
    if (requirement) {
      await this.change(
        'set-tls-requirement',
        requireStatement(this.caps, target, normalizeRequirement(requirement)),
      );
    }
    await this.convergeDefaultRoles(source, target, wanted);
    await this.change('set-password', passwordForStatement(this.caps, target, password));
  }

  private async convergeDefaultRoles(source: Account, target: Account, wanted: GrantLine[]): Promise<void> {
    if (this.caps.mysqlDefaultRoles) {
      const roles = await this.query<RowDataPacket>(
        'read-default-roles',
        'SELECT DEFAULT_ROLE_USER AS username, DEFAULT_ROLE_HOST AS host FROM mysql.default_roles WHERE USER = ? AND HOST = ?',
        [source.username, source.host ?? '%'],
      );
      const accounts = roles.map((row) => ({ username: String(row.username), host: String(row.host) }));
      await this.change('set-default-role', mysqlDefaultRolesStatement(target, accounts));
    } else if (this.caps.mariadbDefaultRoles) {
      const line = wanted.find((candidate) => candidate.kind === 'default-role');
      await this.change(
        'set-default-role',
        line ? grantStatementFor(line, target) : mariadbNoDefaultRoleStatement(target),
      );
    }
  }

  /** A table `this` session can read, from up to 20 candidates, or undefined when it can read none. */
  private async readableTable(): Promise<string | undefined> {
    const tables = await this.query<RowDataPacket>(
      'list-tables',
      'SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA NOT IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME LIMIT 20',
      [SYSTEM_SCHEMAS],
    );
    for (const table of tables) {
      const sql = format('SELECT 1 FROM ??.?? LIMIT 0', [String(table.db), String(table.name)]);
      try {
        await this.connection.query(sql);
        return sql;
      } catch {
        // Not readable by this user; try the next one.
      }
    }
    return undefined;
  }

  async assertSamePrivilegesAs(reference: EngineSession): Promise<void> {
    if (!(reference instanceof MysqlSession)) throw new TypeError('reference must be a MySQL session');
    const mine = new Set((await this.grantLines('show-grants', 'self')).map(grantFingerprint));
    const theirs = (await reference.grantLines('show-grants', 'self')).map(grantFingerprint);
    const missing = theirs.filter((print) => !mine.has(print));
    if (missing.length > 0) {
      throw new VerificationError(
        `the pending user lacks ${missing.length} grant(s) the current user holds, e.g. ${missing[0]}`,
      );
    }
    const probe = await reference.readableTable();
    if (probe === undefined) return;
    try {
      await this.connection.query(probe);
    } catch (error) {
      throw new VerificationError(
        `the pending user cannot read a table the current user can read (${errorCode(error) ?? 'error'})`,
      );
    }
  }

  async close(): Promise<void> {
    try {
      await this.connection.end();
    } catch {
      this.connection.destroy();
    }
  }
}

function normalizeRequirement(row: RowDataPacket): TlsRequirement {
  const text = (value: unknown) => (Buffer.isBuffer(value) ? value.toString('utf8') : String(value ?? ''));
  return {
    ssl_type: text(row.ssl_type),
    ssl_cipher: text(row.ssl_cipher),
    x509_issuer: text(row.x509_issuer),
    x509_subject: text(row.x509_subject),
  };
}

/** MySQL, MariaDB and Aurora MySQL through mysql2. */
export function mysqlEngine(engineOptions?: EngineOptions): DatabaseEngine {
  const options = resolveEngineOptions(engineOptions);
  return {
    family: 'mysql',
    async connect(credentials: Credentials, logger: Logger): Promise<EngineSession> {
      const connection = await connectWithTlsMode(
        credentials.tls,
        (useTls) =>
          createConnection({
            host: credentials.host,
            port: credentials.port,
            user: credentials.username,
            password: credentials.password,
            database: credentials.dbname,
            connectTimeout: options.connectTimeoutMs,
            charset: 'utf8mb4',
            ssl: useTls ? VERIFIED_TLS : undefined,
          }),
        logger,
        credentials,
      );
      try {
        const [rows] = await connection.query<RowDataPacket[]>('SELECT VERSION() AS version');
        const caps = mysqlCapabilities(parseMysqlVersion(String(rows[0]?.version ?? '')));
        for (const statement of sessionSettingStatements(caps, options)) await connection.query(statement);
        return new MysqlSession(connection, caps, options);
      } catch (error) {
        connection.destroy();
        throw new DatabaseStatementError('session-setup', errorCode(error));
      }
    },
  };
}
