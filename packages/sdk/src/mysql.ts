/**
 * `@latchkey/sdk/mysql`: a `mysql2` promise pool whose connections take their credentials from a secret (the RDS
 * secret JSON format). `mysql2` is an optional peer dependency, loaded only through this entry point.
 */
import mysql, { type Pool, type PoolConnection, type PoolOptions } from 'mysql2/promise';
import type { SecretsCache } from './cache/secrets-cache.js';
import { type DatabaseSecret, readDatabaseSecret, type TlsMode } from './db/database-secret.js';
import { connectWithTlsMode, PLAIN_FALLBACK_WARNING, VERIFIED_TLS } from './db/tls.js';
import { type Logger, silentLogger } from './logger.js';
import { withSecret } from './retry/with-secret.js';

export interface SecretMysqlPoolOptions
  extends Omit<PoolOptions, 'user' | 'password' | 'host' | 'port' | 'database' | 'uri'> {
  cache: SecretsCache;
  /** A secret holding `{ host, port, username, password, dbname, ssl? }`. */
  secretId: string;
  /** Default: the cache's stage (AWSCURRENT). */
  versionStage?: string;
  /** Overrides the secret's `dbname`. */
  database?: string;
  /** Told when a secret without an `ssl` key fell back to a plain connection. Default: silent. */
  logger?: Logger;
}

/** Whether MySQL/MariaDB refused the credentials (errno 1045, ER_ACCESS_DENIED_ERROR). */
export function isMysqlAuthError(error: unknown): boolean {
  const { errno, code } = (error ?? {}) as { errno?: unknown; code?: unknown };
  return errno === 1045 || code === 'ER_ACCESS_DENIED_ERROR';
}

/** The parts of mysql2's callback pool used here: new connections copy `config.connectionConfig`. */
interface CorePool {
  config: {
    connectionConfig: {
      user?: string;
      password?: string;
      host?: string;
      port?: number;
      database?: string;
      ssl?: PoolOptions['ssl'] | false;
    };
  };
  getConnection(callback: (error: Error | null, connection?: unknown) => void): void;
}

/**
 * A `mysql2/promise` pool reading its credentials from a secret. New connections use the cached secret; a
 * connection refused for its credentials (1045) refreshes the secret and, if a new version arrived, connects once
 * more, so the application sees no error. The secret is read once up front (fails fast on a malformed secret).
 */
export async function createMysqlPool(options: SecretMysqlPoolOptions): Promise<Pool> {
  const { cache, secretId, versionStage, database, logger = silentLogger, ...poolOptions } = options;
  readDatabaseSecret(secretId, (await cache.lookup(secretId, { versionStage })).value, 'mysql');
  const pool = mysql.createPool(poolOptions);

  // mysql2 has no per-connection credentials hook: each new connection copies the pool's connectionConfig, so
  // that is brought up to date with the secret (credentials and TLS) before every connection is handed out.
  const core = (pool as unknown as { pool: CorePool }).pool;
  const target = core.config.connectionConfig;
  // The secret's `ssl` key decides TLS, unless the pool was given its own `ssl` option. A secret without the key
  // tries TLS first; once that fell back to plain text, this pool's later connections go plain.
  let fellBack = false;
  const modeOf = (secret: DatabaseSecret): TlsMode =>
    poolOptions.ssl !== undefined ? 'require' : secret.tls === 'prefer' && fellBack ? 'disable' : secret.tls;
  const apply = (secret: DatabaseSecret, useTls: boolean): void => {
    target.user = secret.username;
    target.password = secret.password;
    target.host = secret.host;
    target.port = secret.port;
    target.database = database ?? secret.dbname;
    if (poolOptions.ssl === undefined) target.ssl = useTls ? VERIFIED_TLS : false;
  };
  const getConnection = core.getConnection.bind(core);
  const connect = () =>
    new Promise<unknown>((resolve, reject) =>
      getConnection((error, connection) => (error ? reject(error) : resolve(connection))),
    );
  core.getConnection = (callback) => {
    withSecret(
      cache,
      secretId,
      (value) => {
        const secret = readDatabaseSecret(secretId, value, 'mysql');
        return connectWithTlsMode(
          modeOf(secret),
          (useTls) => {
            apply(secret, useTls);
            return connect();
          },
          () => {
            fellBack = true;
            logger.warn({ secretId, host: secret.host }, PLAIN_FALLBACK_WARNING);
          },
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
