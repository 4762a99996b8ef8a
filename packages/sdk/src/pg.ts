/**
 * `@latchkey/sdk/pg`: a `pg.Pool` whose connections take their credentials from a secret (the RDS secret JSON
 * format). `pg` is an optional peer dependency, loaded only through this entry point.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import type { SecretsCache } from './cache/secrets-cache.js';
import { type DatabaseSecret, readDatabaseSecret, type TlsMode } from './db/database-secret.js';
import { connectWithTlsMode, PLAIN_FALLBACK_WARNING, VERIFIED_TLS } from './db/tls.js';
import { type Logger, silentLogger } from './logger.js';
import { withSecret } from './retry/with-secret.js';

export interface SecretPgPoolOptions
  extends Omit<
    pg.PoolConfig,
    'user' | 'password' | 'host' | 'port' | 'database' | 'Client' | 'connectionString'
  > {
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

/** SQLSTATE 28P01 (invalid_password) and 28000 (invalid_authorization_specification). */
const AUTH_ERROR_CODES = new Set(['28P01', '28000']);

/** Whether PostgreSQL refused the credentials. */
export function isPgAuthError(error: unknown): boolean {
  return AUTH_ERROR_CODES.has((error as { code?: unknown } | null)?.code as string);
}

/** pg.Client fields read when it connects (`connectionParameters` is not in pg's types). */
interface ConnectingClient {
  user?: string;
  password?: string;
  host: string;
  port: number;
  database?: string;
  ssl: pg.ClientConfig['ssl'];
  connection: { ssl: pg.ClientConfig['ssl'] };
  connectionParameters: {
    user?: string;
    password?: string;
    host?: string;
    port?: number;
    database?: string;
    ssl?: pg.ClientConfig['ssl'];
  };
}

/** One connect attempt: the credentials, and the TLS options for it. */
interface Attempt {
  readonly secret: DatabaseSecret;
  readonly ssl: pg.ClientConfig['ssl'];
}

function applyAttempt(
  client: ConnectingClient,
  { secret, ssl }: Attempt,
  database: string | undefined,
): void {
  const params = client.connectionParameters;
  client.user = params.user = secret.username;
  client.password = params.password = secret.password;
  client.host = params.host = secret.host;
  client.port = params.port = secret.port;
  client.database = params.database = database ?? secret.dbname;
  // pg reads TLS from the client and its connection, both set when the client was built.
  client.ssl = client.connection.ssl = params.ssl = ssl;
}

/**
 * A `pg.Pool` reading its credentials from a secret. Every new connection uses the cached secret (so a rotation
 * the cache has picked up reaches new connections at once); a connection refused for its credentials (28P01)
 * connects once more with the credentials `withSecret` finds (a newer version, or the pending one during a
 * single-user rotation), so the application sees no error.
 * The secret is read once up front, which fails fast on a missing or malformed secret.
 */
export async function createPgPool(options: SecretPgPoolOptions): Promise<pg.Pool> {
  const { cache, secretId, versionStage, database, logger = silentLogger, ...poolConfig } = options;
  readDatabaseSecret(secretId, (await cache.lookup(secretId, { versionStage })).value, 'postgres');
  // The secret's `ssl` key decides TLS per connection, unless the pool was given its own `ssl` option. A secret
  // without the key tries TLS first; once that fell back to plain text, this pool's later connections go plain.
  let fellBack = false;
  const modeOf = (secret: DatabaseSecret): TlsMode =>
    poolConfig.ssl !== undefined ? 'require' : secret.tls === 'prefer' && fellBack ? 'disable' : secret.tls;
  const sslFor = (useTls: boolean): pg.ClientConfig['ssl'] =>
    poolConfig.ssl ?? (useTls ? VERIFIED_TLS : false);
  const onFallback = (secret: DatabaseSecret) => () => {
    fellBack = true;
    logger.warn({ secretId, host: secret.host }, PLAIN_FALLBACK_WARNING);
  };
  // pg creates a pool's clients itself, on the pool's connect call or a tick later: the credentials of that call
  // reach the client through the async context, so concurrent connects (a first try, a retry) never swap them.
  const attempt = new AsyncLocalStorage<Attempt>();

  class SecretClient extends pg.Client {
    override connect(): Promise<pg.Client>;
    override connect(callback: (err: Error | null, client?: pg.Client) => void): void;
    override connect(
      callback?: (err: Error | null, client?: pg.Client) => void,
    ): Promise<pg.Client> | undefined {
      // A client the pool creates outside any connect call (after a release) reads the cache itself.
      const current = attempt.getStore();
      const ready =
        current !== undefined
          ? Promise.resolve(current)
          : cache.lookup(secretId, { versionStage }).then(({ value }): Attempt => {
              const secret = readDatabaseSecret(secretId, value, 'postgres');
              return { secret, ssl: sslFor(modeOf(secret) !== 'disable') };
            });
      const connected = ready.then((next) => {
        applyAttempt(this as unknown as ConnectingClient, next, database);
        return super.connect();
      });
      if (callback === undefined) return connected;
      connected.then(() => callback(null, this), callback);
      return undefined;
    }
  }

  type ConnectCallback = (
    err: Error | undefined,
    client: pg.PoolClient | undefined,
    done: (release?: boolean | Error) => void,
  ) => void;

  class SecretPool extends pg.Pool {
    override connect(): Promise<pg.PoolClient>;
    override connect(callback: ConnectCallback): void;
    override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | undefined {
      const connected = withSecret(
        cache,
        secretId,
        (value) => {
          const secret = readDatabaseSecret(secretId, value, 'postgres');
          return connectWithTlsMode(
            modeOf(secret),
            (useTls) => attempt.run({ secret, ssl: sslFor(useTls) }, () => super.connect()),
            onFallback(secret),
          );
        },
        {
          isAuthError: isPgAuthError,
          versionStage,
        },
      );
      if (callback === undefined) return connected;
      connected.then(
        (client) => callback(undefined, client, client.release),
        (error: Error) => callback(error, undefined, () => {}),
      );
      return undefined;
    }
  }

  return new SecretPool({
    ...poolConfig,
    Client: SecretClient as unknown as new () => pg.ClientBase,
  });
}
