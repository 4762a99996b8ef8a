/**
 * `@latchkey/sdk/mysql`: a `mysql2` promise pool whose connections take their credentials from a secret (the RDS
 * secret JSON format). `mysql2` is an optional peer dependency, loaded only through this entry point.
 */
import mysql, { type Pool, type PoolConnection, type PoolOptions } from 'mysql2/promise';
import type { SecretsCache } from './cache/secrets-cache.js';
import { readDatabaseSecret } from './db/database-secret.js';
import { withSecret } from './retry/with-secret.js';
import type { SecretValue } from './types/secret.js';

export interface SecretMysqlPoolOptions
  extends Omit<PoolOptions, 'user' | 'password' | 'host' | 'port' | 'database' | 'uri'> {
  cache: SecretsCache;
  /** A secret holding `{ host, port, username, password, dbname, ssl? }`. */
  secretId: string;
  /** Default: the cache's stage (AWSCURRENT). */
  versionStage?: string;
  /** Overrides the secret's `dbname`. */
  database?: string;
}

/** Whether MySQL/MariaDB refused the credentials (errno 1045, ER_ACCESS_DENIED_ERROR). */
export function isMysqlAuthError(error: unknown): boolean {
  const { errno, code } = (error ?? {}) as { errno?: unknown; code?: unknown };
  return errno === 1045 || code === 'ER_ACCESS_DENIED_ERROR';
}

/** The parts of mysql2's callback pool used here: new connections copy `config.connectionConfig`. */
interface CorePool {
  config: {
    connectionConfig: { user?: string; password?: string; host?: string; port?: number; database?: string };
  };
  getConnection(callback: (error: Error | null, connection?: unknown) => void): void;
}

/**
 * A `mysql2/promise` pool reading its credentials from a secret. New connections use the cached secret; a
 * connection refused for its credentials (1045) refreshes the secret and, if a new version arrived, connects once
 * more, so the application sees no error. The secret is read once up front (fails fast, decides TLS).
 */
export async function createMysqlPool(options: SecretMysqlPoolOptions): Promise<Pool> {
  const { cache, secretId, versionStage, database, ...poolOptions } = options;
  const first = readDatabaseSecret(secretId, (await cache.lookup(secretId, { versionStage })).value);
  const pool = mysql.createPool({ ...poolOptions, ssl: poolOptions.ssl ?? (first.ssl ? {} : undefined) });

  // mysql2 has no per-connection credentials hook: each new connection copies the pool's connectionConfig, so
  // that is brought up to date with the secret before every connection is handed out.
  const core = (pool as unknown as { pool: CorePool }).pool;
  const target = core.config.connectionConfig;
  let applied: SecretValue | undefined;
  const apply = (value: SecretValue): void => {
    if (value === applied) return;
    const secret = readDatabaseSecret(secretId, value);
    target.user = secret.username;
    target.password = secret.password;
    target.host = secret.host;
    target.port = secret.port ?? 3306;
    target.database = database ?? secret.dbname;
    applied = value;
  };
  const getConnection = core.getConnection.bind(core);
  core.getConnection = (callback) => {
    withSecret(
      cache,
      secretId,
      (secret) => {
        apply(secret);
        return new Promise<unknown>((resolve, reject) =>
          getConnection((error, connection) => (error ? reject(error) : resolve(connection))),
        );
      },
      { isAuthError: isMysqlAuthError, versionStage },
    ).then(
      (connection) => callback(null, connection as PoolConnection),
      (error: Error) => callback(error),
    );
  };
  return pool;
}
