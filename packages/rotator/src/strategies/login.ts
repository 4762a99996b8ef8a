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

/**
 * Logs in, or returns undefined when the database refuses or cannot be reached. Logs who and where, and the
 * driver's error code, never the password or the driver's message.
 */
export async function tryLogin(
  context: StepContext,
  credentials: Credentials,
  label: string,
): Promise<EngineSession | undefined> {
  const who = { label, username: credentials.username, host: credentials.host, port: credentials.port };
  try {
    const session = await context.engine.connect(credentials, context.logger);
    context.logger.info(who, 'logged in to the database');
    return session;
  } catch (error) {
    context.logger.info({ ...who, code: errorCode(error) ?? 'error' }, 'database login failed');
    return undefined;
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
