import { randomBytes } from 'node:crypto';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type Emulator, startEmulator } from '@latchkey/emulator';
import { AwsSource, type Logger, SecretsCache } from '@latchkey/sdk';
import { createMysqlPool } from '@latchkey/sdk/mysql';
import { createPgPool } from '@latchkey/sdk/pg';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresCluster, startPostgresCluster } from '../../../../test/support/postgres-cluster.js';
import {
  mariadbAvailable,
  postgresAvailable,
  SHARED_MARIADB,
  SHARED_POSTGRES,
} from '../../../../test/support/services.js';

/**
 * The database helpers against real servers: the password changes in the database and in the secret while the
 * pool is in use, and the next query that needs a new connection succeeds without the application seeing an error.
 */
let emu: Emulator;
let admin: SecretsManagerClient;
let source: AwsSource;

beforeAll(async () => {
  emu = await startEmulator({ host: '127.0.0.1', port: 0 });
  admin = new SecretsManagerClient({ ...emu.clientConfig, maxAttempts: 1 });
  source = new AwsSource({ clientConfig: { ...emu.clientConfig, maxAttempts: 1 } });
});
afterAll(async () => {
  source?.close();
  admin?.destroy();
  await emu?.close();
});

const token = () => randomBytes(12).toString('hex');

async function createSecret(value: object): Promise<string> {
  const name = `db-${token()}`;
  await admin.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));
  return name;
}

async function putSecret(name: string, value: object, stages?: string[]): Promise<void> {
  await admin.send(
    new PutSecretValueCommand({ SecretId: name, SecretString: JSON.stringify(value), VersionStages: stages }),
  );
}

const newCache = () => new SecretsCache({ source, ttl: '5m' });

describe('createPgPool on a password-checking PostgreSQL', () => {
  let cluster: PostgresCluster;
  let superuser: pg.Client;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    superuser = new pg.Client({
      host: cluster.host,
      port: cluster.port,
      user: cluster.superuser,
      password: cluster.superuserPassword,
      database: cluster.database,
    });
    await superuser.connect();
  }, 120_000);
  afterAll(async () => {
    await superuser?.end();
    await cluster?.stop();
  });

  it('survives a password rotation: the refused connection refreshes the secret and reconnects', async () => {
    const user = `app_${token().slice(0, 8)}`;
    const [first, second] = [token(), token()];
    await superuser.query(`CREATE ROLE ${user} LOGIN PASSWORD '${first}'`);
    const secret = {
      engine: 'postgres',
      host: cluster.host,
      port: String(cluster.port),
      username: user,
      password: first,
      dbname: cluster.database,
    };
    const secretId = await createSecret(secret);
    const cache = newCache();
    const pool = await createPgPool({ cache, secretId, max: 2 });
    const errors: unknown[] = [];
    pool.on('error', (error) => errors.push(error));
    const held = await pool.connect(); // keeps one connection busy, so the next query needs a new one
    try {
      expect((await held.query('select current_user')).rows[0].current_user).toBe(user);

      await superuser.query(`ALTER ROLE ${user} PASSWORD '${second}'`);
      await putSecret(secretId, { ...secret, password: second });
      emu.resetCalls();

      const result = await pool.query('select current_user, 1 + 1 as two');
      expect(result.rows[0]).toEqual({ current_user: user, two: 2 });
      expect(emu.calls('GetSecretValue')).toBe(1); // the refresh after the refused login
      expect(errors).toEqual([]);
    } finally {
      held.release();
      await pool.end();
      await cache.close();
      await superuser.query(`DROP ROLE IF EXISTS ${user}`);
    }
  });

  /** A password or user change while the pool's only connection is closed: the user the next connection is. */
  interface Change {
    readonly user: string;
    readonly secretId: string;
    readonly secret: Record<string, unknown>;
    readonly cache: SecretsCache;
  }
  it.each([
    {
      name: 'connects with AWSPENDING inside a single-user rotation window (password changed, AWSCURRENT not moved yet)',
      // createSecret and setSecret of a single-user rotation: the database now takes only the pending password.
      change: async ({ user, secretId, secret }: Change) => {
        const second = token();
        await putSecret(secretId, { ...secret, password: second }, ['AWSPENDING']);
        await superuser.query(`ALTER ROLE ${user} PASSWORD '${second}'`);
        return user;
      },
    },
    {
      name: 'new connections use the current user once the cache has the new version (alternating users)',
      change: async ({ user, secretId, secret, cache }: Change) => {
        const clone = `${user}_clone`;
        const second = token();
        await superuser.query(`CREATE ROLE ${clone} LOGIN PASSWORD '${second}'`);
        await putSecret(secretId, { ...secret, username: clone, password: second });
        await cache.refresh(secretId);
        return clone;
      },
    },
  ])('$name', async ({ change }) => {
    const user = `app_${token().slice(0, 8)}`;
    const first = token();
    await superuser.query(`CREATE ROLE ${user} LOGIN PASSWORD '${first}'`);
    const secret = {
      host: cluster.host,
      port: cluster.port,
      username: user,
      password: first,
      dbname: 'postgres',
    };
    const secretId = await createSecret(secret);
    const cache = newCache();
    const pool = await createPgPool({ cache, secretId, max: 1, idleTimeoutMillis: 1 });
    try {
      const before = await pool.connect();
      expect((await before.query('select current_user')).rows[0].current_user).toBe(user);
      before.release(true); // closes it: the next query opens a new connection
      const expected = await change({ user, secretId, secret, cache });
      expect((await pool.query('select current_user')).rows[0].current_user).toBe(expected);
    } finally {
      await pool.end();
      await cache.close();
      await superuser.query(`DROP ROLE IF EXISTS ${user}`);
      await superuser.query(`DROP ROLE IF EXISTS ${user}_clone`);
    }
  });
});

const mariadb = await mariadbAvailable();

describe.skipIf(!mariadb)('createMysqlPool on MariaDB', () => {
  let root: mysql.Connection;
  beforeAll(async () => {
    root = await mysql.createConnection(SHARED_MARIADB);
  });
  afterAll(async () => {
    await root?.end();
  });

  it('survives a password rotation: the refused connection (1045) refreshes the secret and reconnects', async () => {
    const user = `lk_${token().slice(0, 10)}`;
    const [first, second] = [token(), token()];
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', first]);
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [user, 'localhost', first]);
    for (const host of ['%', 'localhost']) await root.query('GRANT SELECT ON test.* TO ?@?', [user, host]);
    const secret = {
      engine: 'mariadb',
      host: SHARED_MARIADB.host,
      port: SHARED_MARIADB.port,
      username: user,
      password: first,
      dbname: SHARED_MARIADB.database,
    };
    const secretId = await createSecret(secret);
    const cache = newCache();
    const pool = await createMysqlPool({ cache, secretId, connectionLimit: 2 });
    const held = await pool.getConnection(); // keeps one connection busy, so the next query needs a new one
    try {
      const [[me]] = (await held.query('select current_user() as me')) as unknown as [[{ me: string }]];
      expect(me.me.split('@')[0]).toBe(user);

      await root.query('ALTER USER ?@? IDENTIFIED BY ?', [user, '%', second]);
      await root.query('ALTER USER ?@? IDENTIFIED BY ?', [user, 'localhost', second]);
      await putSecret(secretId, { ...secret, password: second });
      emu.resetCalls();

      const [[row]] = (await pool.query('select current_user() as me, 1 + 1 as two')) as unknown as [
        [{ me: string; two: number }],
      ];
      expect(row.me.split('@')[0]).toBe(user);
      expect(row.two).toBe(2);
      expect(emu.calls('GetSecretValue')).toBe(1);
    } finally {
      held.release();
      await pool.end();
      await cache.close();
      await root.query('DROP USER IF EXISTS ?@?', [user, '%']);
      await root.query('DROP USER IF EXISTS ?@?', [user, 'localhost']);
    }
  });

  it('connects with AWSPENDING inside a single-user rotation window (password changed, AWSCURRENT not moved yet)', async () => {
    const user = `lk_${token().slice(0, 10)}`;
    const [first, second] = [token(), token()];
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', first]);
    const secret = { host: SHARED_MARIADB.host, port: SHARED_MARIADB.port, username: user, password: first };
    const secretId = await createSecret(secret);
    const cache = newCache();
    const pool = await createMysqlPool({ cache, secretId, connectionLimit: 2 });
    const held = await pool.getConnection(); // keeps one connection busy, so the next one is a new login
    try {
      await putSecret(secretId, { ...secret, password: second }, ['AWSPENDING']);
      await root.query('ALTER USER ?@? IDENTIFIED BY ?', [user, '%', second]);
      const [[row]] = (await pool.query('select current_user() as me')) as unknown as [[{ me: string }]];
      expect(row.me.split('@')[0]).toBe(user);
    } finally {
      held.release();
      await pool.end();
      await cache.close();
      await root.query('DROP USER IF EXISTS ?@?', [user, '%']);
    }
  });
});

const postgres = await postgresAvailable();

/** Both shared servers run without TLS: a secret that asks for TLS must fail, never connect in plain text. */
describe("the secret's ssl key on servers without TLS", () => {
  const mysqlUser = { username: `lk_ssl_${token().slice(0, 8)}`, password: token() };
  beforeAll(async () => {
    if (!mariadb) return;
    const root = await mysql.createConnection(SHARED_MARIADB);
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [mysqlUser.username, '%', mysqlUser.password]);
    await root.end();
  });
  afterAll(async () => {
    if (!mariadb) return;
    const root = await mysql.createConnection(SHARED_MARIADB);
    await root.query('DROP USER IF EXISTS ?@?', [mysqlUser.username, '%']);
    await root.end();
  });
  const servers = [
    {
      name: 'createMysqlPool on MariaDB',
      available: mariadb,
      secret: {
        engine: 'mariadb',
        host: SHARED_MARIADB.host,
        port: SHARED_MARIADB.port,
        ...mysqlUser,
      },
      query: async (cache: SecretsCache, secretId: string, logger?: Logger) => {
        const pool = await createMysqlPool({ cache, secretId, connectionLimit: 1, logger });
        try {
          await pool.query('select 1');
        } finally {
          await pool.end();
        }
      },
    },
    {
      name: 'createPgPool on PostgreSQL',
      available: postgres,
      secret: {
        engine: 'postgres',
        host: SHARED_POSTGRES.host,
        port: SHARED_POSTGRES.port,
        username: SHARED_POSTGRES.user,
        password: 'unused',
        dbname: SHARED_POSTGRES.database,
      },
      query: async (cache: SecretsCache, secretId: string, logger?: Logger) => {
        const pool = await createPgPool({ cache, secretId, max: 1, logger });
        try {
          await pool.query('select 1');
        } finally {
          await pool.end();
        }
      },
    },
  ];

  for (const server of servers) {
    describe.skipIf(!server.available)(server.name, () => {
      it.each([['require'], ['verify-full'], [true], ['TRUE']])('"ssl": %j fails to connect', async (ssl) => {
        const secretId = await createSecret({ ...server.secret, ssl });
        const cache = newCache();
        try {
          await expect(server.query(cache, secretId)).rejects.toThrow();
        } finally {
          await cache.close();
        }
      });

      it('"ssl": "maybe" is refused, naming the key', async () => {
        const secretId = await createSecret({ ...server.secret, ssl: 'maybe' });
        const cache = newCache();
        try {
          await expect(server.query(cache, secretId)).rejects.toThrow(/key 'ssl' must be/);
        } finally {
          await cache.close();
        }
      });

      it('no ssl key: tries TLS, connects in plain text and logs that it did', async () => {
        const secretId = await createSecret(server.secret);
        const cache = newCache();
        const warnings: string[] = [];
        const logger: Logger = {
          debug: () => {},
          info: () => {},
          error: () => {},
          warn: (_fields, message) => warnings.push(String(message)),
        };
        try {
          await server.query(cache, secretId, logger);
          expect(warnings).toEqual([expect.stringMatching(/fell back to a plain connection/)]);
        } finally {
          await cache.close();
        }
      });

      it('"ssl": false connects in plain text without trying TLS', async () => {
        const secretId = await createSecret({ ...server.secret, ssl: 'false' });
        const cache = newCache();
        const warnings: string[] = [];
        const logger: Logger = {
          debug: () => {},
          info: () => {},
          error: () => {},
          warn: (_fields, message) => warnings.push(String(message)),
        };
        try {
          await server.query(cache, secretId, logger);
          expect(warnings).toEqual([]);
        } finally {
          await cache.close();
        }
      });
    });
  }
});
