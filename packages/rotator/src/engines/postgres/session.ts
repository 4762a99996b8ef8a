import { VERIFIED_TLS } from '@latchkey/sdk/db';
import pg from 'pg';
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
import { passwordVerifier } from './password-verifier.js';
import {
  actAsGroupStatement,
  createRoleStatement,
  DIRECT_MEMBERSHIP_QUERY,
  grantMembershipStatement,
  probeTableStatement,
  READABLE_TABLE_QUERY,
  setLoginPasswordStatement,
  setPasswordStatement,
} from './statements.js';

class PostgresSession implements EngineSession {
  constructor(
    private readonly client: pg.Client,
    private readonly options: ResolvedEngineOptions,
  ) {}

  /** Runs one statement; a failure becomes an error naming `action` and the SQLSTATE, never the SQL. */
  private async query(action: string, sql: string, values?: unknown[]): Promise<Record<string, unknown>[]> {
    try {
      return (await this.client.query(sql, values)).rows;
    } catch (error) {
      throw new DatabaseStatementError(action, errorCode(error));
    }
  }

  private change(action: string, sql: string): Promise<unknown> {
    return withHooks(
      this.options.hooks,
      action,
      () => this.dropConnection(),
      () => this.query(action, sql),
    );
  }

  private dropConnection(): void {
    // node-postgres keeps its socket on `connection.stream`; destroying it is what a network failure does.
    (this.client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
  }

  private async sessionUser(): Promise<string> {
    const [row] = await this.query('session-user', 'SELECT session_user AS name');
    return String(row?.name);
  }

  private async verifierFor(password: string, role: string): Promise<string> {
    const [row] = await this.query('show-password-encryption', 'SHOW password_encryption');
    return passwordVerifier(password, role, String(row?.password_encryption ?? 'scram-sha-256'));
  }

  async account(): Promise<Account> {
    return { username: await this.sessionUser() };
  }

  async ping(): Promise<void> {
    await this.query('select-now', 'SELECT now()');
  }

  async changeOwnPassword(newPassword: string): Promise<void> {
    const role = await this.sessionUser();
    await this.change('set-password', setPasswordStatement(role, await this.verifierFor(newPassword, role)));
  }

  private async isDirectMember(group: string, member: string): Promise<boolean> {
    return (await this.query('read-membership', DIRECT_MEMBERSHIP_QUERY, [group, member])).length > 0;
  }

  async convergeClone(source: Account, clone: { username: string; password: string }): Promise<void> {
    const verifier = await this.verifierFor(clone.password, clone.username);
    // One transaction: a crash anywhere before COMMIT leaves nothing behind.
    await this.query('begin', 'BEGIN');
    try {
      // Two rotations working on the same role take turns; the lock ends with the transaction.
      await this.query('lock-account', 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `latchkey-rotate:${clone.username}`,
      ]);
      const exists = await this.query('find-role', 'SELECT 1 FROM pg_roles WHERE rolname = $1', [
        clone.username,
      ]);
      if (exists.length === 0) await this.change('create-user', createRoleStatement(clone.username));
      // The clone follows the original through membership. When the pending user is the original itself (the
      // current user is its clone, a member of it), it already holds everything and must not join its clone.
      if (!(await this.isDirectMember(clone.username, source.username))) {
        if (!(await this.isDirectMember(source.username, clone.username))) {
          await this.change('grant', grantMembershipStatement(source.username, clone.username));
        }
        await this.change('set-default-role', actAsGroupStatement(clone.username, source.username));
      }
      await this.change('set-password', setLoginPasswordStatement(clone.username, verifier));
      await this.query('commit', 'COMMIT');
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async assertSamePrivilegesAs(reference: EngineSession): Promise<void> {
    if (!(reference instanceof PostgresSession))
      throw new TypeError('reference must be a PostgreSQL session');
    const referenceUser = await reference.sessionUser();
    const [related] = await this.query(
      'check-membership',
      `SELECT pg_has_role(session_user, $1, 'USAGE') OR pg_has_role($1, session_user, 'MEMBER') AS ok`,
      [referenceUser],
    );
    if (related?.ok !== true) {
      throw new VerificationError(
        'the pending user is not a member of the current user, so it lacks its privileges',
      );
    }
    const [table] = await reference.query('find-readable-table', READABLE_TABLE_QUERY);
    if (table === undefined) return;
    try {
      await this.client.query(probeTableStatement(String(table.schema), String(table.name)));
    } catch (error) {
      throw new VerificationError(
        `the pending user cannot read a table the current user can read (${errorCode(error) ?? 'error'})`,
      );
    }
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

/** PostgreSQL and Aurora PostgreSQL through node-postgres. */
export function postgresEngine(engineOptions?: EngineOptions): DatabaseEngine {
  const options = resolveEngineOptions(engineOptions);
  return {
    family: 'postgres',
    async connect(credentials: Credentials, logger: Logger): Promise<EngineSession> {
      const client = await connectWithTlsMode(
        credentials.tls,
        async (useTls) => {
          const candidate = new pg.Client({
            host: credentials.host,
            port: credentials.port,
            user: credentials.username,
            password: credentials.password,
            database: credentials.dbname ?? 'postgres',
            ssl: useTls ? VERIFIED_TLS : false,
            connectionTimeoutMillis: options.connectTimeoutMs,
            statement_timeout: options.statementTimeoutMs,
            lock_timeout: options.lockTimeoutMs,
            query_timeout: options.statementTimeoutMs + 1_000,
            application_name: 'latchkey-rotator',
          });
          // An idle client whose socket dies emits 'error'; without a listener that would crash the process.
          candidate.on('error', () => undefined);
          try {
            await candidate.connect();
          } catch (error) {
            await candidate.end().catch(() => undefined);
            throw error;
          }
          return candidate;
        },
        logger,
        credentials,
      );
      return new PostgresSession(client, options);
    },
  };
}
