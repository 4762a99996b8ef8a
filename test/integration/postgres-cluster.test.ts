import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresCluster, startPostgresCluster } from '../support/postgres-cluster.js';

describe('startPostgresCluster', () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await startPostgresCluster({ logStatements: true });
  });
  afterAll(() => cluster?.stop());

  const login = async (password: string) => {
    const client = new pg.Client({
      host: cluster.host,
      port: cluster.port,
      user: 'postgres',
      database: 'postgres',
      password,
    });
    await client.connect();
    try {
      return (await client.query<{ answer: number }>('SELECT 41 + 1 AS answer')).rows[0]?.answer;
    } finally {
      await client.end();
    }
  };

  it('accepts the superuser password and refuses a wrong one', async () => {
    expect(await login(cluster.superuserPassword)).toBe(42);
    await expect(login('not-the-password')).rejects.toMatchObject({ code: '28P01' });
  });

  it('logs every statement when asked to', async () => {
    await login(cluster.superuserPassword);
    expect(await cluster.readLog()).toContain('SELECT 41 + 1 AS answer');
  });
});
