import type { Credentials, EngineSession } from '../engines/engine.js';
import { errorCode } from '../engines/tls.js';
import type { DatabaseSecret } from '../secret/database-secret.js';
import type { StepContext } from './strategy.js';

export function credentialsOf(secret: DatabaseSecret, overrides: Partial<Credentials> = {}): Credentials {
  return {
    host: secret.host,
    port: secret.port,
    username: secret.username,
    password: secret.password,
    dbname: secret.dbname,
    tls: secret.tls,
    ...overrides,
  };
}

/** A login that worked, or why it did not: which credentials, and the driver's error code (`timeout` for a connect
 * that ran out of time, `error` when there is no code), never the driver's message. */
export type LoginAttempt =
  | { readonly session: EngineSession; readonly failure?: undefined }
  | { readonly session?: undefined; readonly failure: string };

function failureReason(error: unknown): string {
  const code = errorCode(error);
  if (code !== undefined) return code;
  // node-postgres's connect timeout has no code: "Connection terminated due to connection timeout".
  return error instanceof Error && /timeout/i.test(error.message) ? 'timeout' : 'error';
}

/** Reasons a login is tried once more: the database did not answer within the connect timeout (node-postgres's
 * timeout, or the socket's), which a busy or briefly unreachable server causes. A refusal is never retried. */
const TIMED_OUT = new Set(['timeout', 'ETIMEDOUT']);
/** Tries per login when it times out. In single-user rotation a testSecret that gives up leaves the database on the
 * new password while AWSCURRENT still holds the old one, until the rotation is run again; one more try costs at most
 * one connect timeout (5 s by default) of the function's 60 s. */
const LOGIN_TRIES = 2;

/**
 * Logs in, or says why the database refused or could not be reached. Logs who and where, and the reason, never the
 * password or the driver's message.
 */
export async function tryLogin(
  context: StepContext,
  credentials: Credentials,
  label: string,
): Promise<LoginAttempt> {
  const who = { label, username: credentials.username, host: credentials.host, port: credentials.port };
  for (let attempt = 1; ; attempt++) {
    try {
      const session = await context.engine.connect(credentials, context.logger);
      context.logger.info(who, 'logged in to the database');
      return { session };
    } catch (error) {
      const reason = failureReason(error);
      context.logger.info({ ...who, code: reason, attempt }, 'database login failed');
      if (attempt >= LOGIN_TRIES || !TIMED_OUT.has(reason)) return { failure: `${label}: ${reason}` };
    }
  }
}

/** Runs `use` on a session and always closes it. */
export async function using<T>(
  session: EngineSession,
  use: (session: EngineSession) => Promise<T>,
): Promise<T> {
  try {
    return await use(session);
  } finally {
    await session.close();
  }
}
