import type { Logger } from 'pino';
import type { EngineFamily, TlsMode } from '../secret/database-secret.js';

/** What a login needs; built from a secret version (the password never leaves this object except to the driver). */
export interface Credentials {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly dbname: string | undefined;
  readonly tls: TlsMode;
}

/** A database account. `host` is MySQL's account host (the `'%'` in `'app'@'%'`); PostgreSQL has none. */
export interface Account {
  readonly username: string;
  readonly host?: string;
}

/**
 * A statement the rotator is about to run or has run, given to `EngineHooks.onStatement`. It names the
 * statement's purpose (`create-user`, `grant`, `set-password`, ...), never its text.
 */
export interface StatementEvent {
  readonly action: string;
  readonly phase: 'before' | 'after';
  /** Destroys the session's socket, as a network failure would. */
  readonly dropConnection: () => void;
}

/**
 * Observation points around each statement with a side effect. Production code passes none; operators can use
 * them for metrics, and tests use them to crash a step at an exact point (throwing, or dropping the connection).
 */
export interface EngineHooks {
  readonly onStatement?: (event: StatementEvent) => void | Promise<void>;
}

export interface EngineOptions {
  readonly hooks?: EngineHooks;
  /** Default 5000: a connect that takes longer fails, as AWS's functions' `connect_timeout=5`. */
  readonly connectTimeoutMs?: number;
  /** Default 10000: every statement ends well within the Lambda timeout. */
  readonly statementTimeoutMs?: number;
  /** Default 5000: waiting on a lock on the user tables fails rather than hangs. */
  readonly lockTimeoutMs?: number;
}

export interface ResolvedEngineOptions {
  readonly hooks: EngineHooks;
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly lockTimeoutMs: number;
}

export function resolveEngineOptions(options: EngineOptions = {}): ResolvedEngineOptions {
  return {
    hooks: options.hooks ?? {},
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    statementTimeoutMs: options.statementTimeoutMs ?? 10_000,
    lockTimeoutMs: options.lockTimeoutMs ?? 5_000,
  };
}

/** One logged-in connection. Every method that changes the database is idempotent. */
export interface EngineSession {
  /** The account the server matched this login to. */
  account(): Promise<Account>;
  /** Runs a trivial query: the login works and the session answers. */
  ping(): Promise<void>;
  /** Single user: the logged-in user sets its own password. */
  changeOwnPassword(newPassword: string): Promise<void>;
  /**
   * Alternating users, run as the master: make `clone` exist with exactly the privileges of `source`, then give
   * it `password`. Converges from any partial state (a crash after CREATE USER, after some grants, ...).
   */
  convergeClone(
    source: Account,
    clone: { readonly username: string; readonly password: string },
  ): Promise<void>;
  /**
   * Alternating users, testSecret: this (pending) session can do what `reference` (the current user's session)
   * can; throws VerificationError naming what differs.
   */
  assertSamePrivilegesAs(reference: EngineSession): Promise<void>;
  close(): Promise<void>;
}

/** An engine family adapter: how to log in; the session knows the rest. */
export interface DatabaseEngine {
  readonly family: EngineFamily;
  connect(credentials: Credentials, logger: Logger): Promise<EngineSession>;
}

/** Calls the hook around one side effect, so a test can fail the step exactly before or after it. */
export async function withHooks<T>(
  hooks: EngineHooks,
  action: string,
  dropConnection: () => void,
  run: () => Promise<T>,
): Promise<T> {
  await hooks.onStatement?.({ action, phase: 'before', dropConnection });
  const result = await run();
  await hooks.onStatement?.({ action, phase: 'after', dropConnection });
  return result;
}
