import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  type PostgresCluster,
  type PostgresClusterOptions,
  startPostgresCluster,
} from '../../../../test/support/postgres-cluster.js';

/** A private scram-sha-256 cluster (statement logging on) and helpers to use it as its superuser. */
export interface PostgresFixture {
  readonly cluster: PostgresCluster;
  name(prefix: string): string;
  /** Runs SQL as the superuser, in `database` (default postgres). */
  exec(sql: string, values?: unknown[], database?: string): Promise<pg.QueryResult>;
  /** Runs SQL as `user`; rejects when the login is refused. */
  execAs(user: string, password: string, sql: string, database?: string): Promise<pg.QueryResult>;
  canLogin(user: string, password: string, database?: string): Promise<boolean>;
  stop(): Promise<void>;
}

export async function postgresFixture(options: PostgresClusterOptions = {}): Promise<PostgresFixture> {
  const cluster = await startPostgresCluster({ logStatements: true, ...options });
  const suffix = randomBytes(3).toString('hex');
  let counter = 0;
  const connect = async (user: string, password: string, database: string = cluster.database) => {
    const client = new pg.Client({ host: cluster.host, port: cluster.port, user, password, database });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  const execAs = async (user: string, password: string, sql: string, database?: string) => {
    const client = await connect(user, password, database);
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    cluster,
    name: (prefix) => `${prefix}${suffix}${counter++}`,
    async exec(sql, values, database) {
      const client = await connect(cluster.superuser, cluster.superuserPassword, database);
      try {
        return await client.query(sql, values);
      } finally {
        await client.end();
      }
    },
    execAs,
    async canLogin(user, password, database) {
      try {
        await execAs(user, password, 'SELECT 1', database);
        return true;
      } catch {
        return false;
      }
    },
    stop: () => cluster.stop(),
  };
}
