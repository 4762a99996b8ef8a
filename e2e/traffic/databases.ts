/**
 * The real databases the traffic runs against, both checking passwords: a private PostgreSQL cluster with
 * scram-sha-256 (the shared server trusts every login, which would prove nothing) and the shared MariaDB. Each
 * gives a master account for alternating users, application users with read access to one table, and the two
 * ways the clients connect: with explicit credentials (the sidecar client) and through the SDK's pool helper.
 */
import { randomBytes } from 'node:crypto';
import type { SecretsCache } from '@latchkey/sdk';
import { createMysqlPool } from '@latchkey/sdk/mysql';
import { createPgPool } from '@latchkey/sdk/pg';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { startPostgresCluster } from '../../test/support/postgres-cluster.js';
import { SHARED_MARIADB } from '../../test/support/services.js';

export type EngineName = 'postgres' | 'mariadb';
/** The rotation function that handles an engine. */
export type EngineFamily = 'postgres' | 'mysql';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** One connection: runs the traffic query, then is closed (or handed back to its pool). */
export interface Connection {
  query(): Promise<void>;
  /** `discard`: close it rather than keep it for reuse, so the next checkout logs in anew. */
  release(discard: boolean): Promise<void>;
}

/** Connections from a pool the SDK keeps in line with a secret. */
export interface SecretPool {
  checkout(): Promise<Connection>;
  end(): Promise<void>;
}

export interface Database {
  readonly engine: EngineName;
  readonly family: EngineFamily;
  /** The secret fields every secret of this database shares: engine, host, port, dbname. */
  readonly location: Readonly<Record<string, string | number>>;
  /** A superuser able to create users and grant (the master secret of alternating users). */
  readonly master: Credentials;
  /** A unique user name. */
  userName(stem: string): string;
  /** A login user (and its `_clone`, dropped with it) that may read the traffic table. */
  createUser(user: Credentials): Promise<void>;
  connect(user: Credentials): Promise<Connection>;
  pool(cache: SecretsCache, secretId: string): Promise<SecretPool>;
  /** Whether the server refused the login for its credentials. */
  isAuthError(error: unknown): boolean;
  /** Drops every user created (clones included), then closes. */
  close(): Promise<void>;
}

const suffix = () => randomBytes(4).toString('hex');

export const newPassword = (): string => randomBytes(18).toString('base64url');

export async function startPostgres(): Promise<Database> {
  const cluster = await startPostgresCluster();
  const master = { username: cluster.superuser, password: cluster.superuserPassword };
  const admin = new pg.Client({
    host: cluster.host,
    port: cluster.port,
    user: master.username,
    password: master.password,
    database: cluster.database,
  });
  try {
    await admin.connect();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  const table = `traffic_${suffix()}`;
  await admin.query(`CREATE TABLE ${table} (n int); INSERT INTO ${table} VALUES (1)`);
  const users: string[] = [];
  let adminTurn: Promise<unknown> = Promise.resolve();
  const select = `SELECT n FROM ${table}`;
  const wrap = (client: pg.Client | pg.PoolClient, release: (discard: boolean) => Promise<void>) => ({
    query: async () => {
      await client.query(select);
    },
    release,
  });
  return {
    engine: 'postgres',
    family: 'postgres',
    location: { engine: 'postgres', host: cluster.host, port: cluster.port, dbname: cluster.database },
    master,
    userName: (stem) => `${stem}_${suffix()}`,
    createUser({ username, password }) {
      users.push(username, `${username}_clone`);
      const role = admin.escapeIdentifier(username);
      // One admin connection for cases created at once: one user after another (pg deprecates overlapping queries).
      const created = adminTurn.then(async () => {
        await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD ${admin.escapeLiteral(password)}`);
        await admin.query(`GRANT SELECT ON ${table} TO ${role}`);
      });
      adminTurn = created.catch(() => undefined);
      return created;
    },
    async connect({ username, password }) {
      const client = new pg.Client({
        host: cluster.host,
        port: cluster.port,
        user: username,
        password,
        database: cluster.database,
      });
      client.on('error', () => undefined);
      await client.connect();
      return wrap(client, () => client.end());
    },
    async pool(cache, secretId) {
      const pool = await createPgPool({ cache, secretId, max: 2 });
      pool.on('error', () => undefined);
      return {
        async checkout() {
          const client = await pool.connect();
          return wrap(client, async (discard) => client.release(discard));
        },
        end: () => pool.end(),
      };
    },
    isAuthError: (error) => ['28P01', '28000'].includes((error as { code?: string } | null)?.code ?? ''),
    async close() {
      try {
        // The table first: a role holding a privilege on it cannot be dropped.
        await admin.query(`DROP TABLE IF EXISTS ${table}`);
        for (const user of users) await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(user)}`);
        await admin.end();
      } finally {
        await cluster.stop();
      }
    },
  };
}

export async function startMariadb(): Promise<Database> {
  const root = await mysql.createConnection({ ...SHARED_MARIADB, database: undefined });
  const database = `lk_e2e_${suffix()}`;
  const users: string[] = [];
  const createUser = async ({ username, password }: Credentials) => {
    users.push(username, `${username}_clone`);
    await root.query(mysql.format("CREATE USER ?@'%' IDENTIFIED BY ?", [username, password]));
  };
  // root has no password, and a master secret needs one: the master is a user of our own with root's powers.
  const master = { username: `lk_e2e_master_${suffix()}`, password: newPassword() };
  try {
    await root.query(`CREATE DATABASE ${database}`);
    await root.query(`CREATE TABLE ${database}.traffic (n int)`);
    await root.query(`INSERT INTO ${database}.traffic VALUES (1)`);
    await createUser(master);
    await root.query(
      mysql.format("GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION", [master.username]),
    );
  } catch (error) {
    await root.end();
    throw error;
  }
  const select = 'SELECT n FROM traffic';
  const location = {
    engine: 'mariadb',
    host: SHARED_MARIADB.host,
    port: SHARED_MARIADB.port,
    dbname: database,
  };
  return {
    engine: 'mariadb',
    family: 'mysql',
    location,
    master,
    userName: (stem) => `${stem}_${suffix()}`,
    async createUser(user) {
      await createUser(user);
      await root.query(mysql.format(`GRANT SELECT ON ${database}.traffic TO ?@'%'`, [user.username]));
    },
    async connect({ username, password }) {
      const connection = await mysql.createConnection({
        host: location.host,
        port: location.port,
        user: username,
        password,
        database,
      });
      connection.on('error', () => undefined);
      return {
        query: async () => {
          await connection.query(select);
        },
        release: () => connection.end(),
      };
    },
    async pool(cache, secretId) {
      const pool = await createMysqlPool({ cache, secretId, connectionLimit: 2 });
      return {
        async checkout() {
          const connection = await pool.getConnection();
          return {
            query: async () => {
              await connection.query(select);
            },
            release: async (discard) => (discard ? connection.destroy() : connection.release()),
          };
        },
        end: () => pool.end(),
      };
    },
    isAuthError: (error) => (error as { errno?: number } | null)?.errno === 1045,
    async close() {
      try {
        for (const user of users) await root.query(mysql.format("DROP USER IF EXISTS ?@'%'", [user]));
        await root.query(`DROP DATABASE IF EXISTS ${database}`);
      } finally {
        await root.end();
      }
    },
  };
}
