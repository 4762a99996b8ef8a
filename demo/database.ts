/**
 * The demo's database user on the shared PostgreSQL, and the secret that holds its credentials. That server
 * trusts local logins (it accepts any password), so the demo shows the mechanics of rotation; `npm run e2e` proves
 * them against servers that check passwords.
 */
import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';

export interface PostgresAddress {
  readonly host: string;
  readonly port: number;
}

export interface DemoDatabase {
  readonly username: string;
  readonly secretId: string;
  /** Drops the demo user. */
  drop(): Promise<void>;
}

const ADMIN = { user: 'postgres', database: 'postgres' } as const;

/** Why PostgreSQL cannot be used (no server answering, refused), or undefined when it can. */
export async function postgresUnavailable(address: PostgresAddress): Promise<string | undefined> {
  const client = new pg.Client({ ...address, ...ADMIN, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    const code = (error as { code?: string }).code;
    return `PostgreSQL at ${address.host}:${address.port} did not accept a connection as ${ADMIN.user} (${code ?? (error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates a login user with a random password and the `demo/db` secret (RDS JSON format) holding it. */
export async function createDemoDatabase(
  address: PostgresAddress,
  secretsManager: SecretsManagerClient,
): Promise<DemoDatabase> {
  const admin = new pg.Client({ ...address, ...ADMIN });
  await admin.connect();
  const username = `latchkey_demo_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  try {
    await admin.query(
      `CREATE ROLE ${admin.escapeIdentifier(username)} LOGIN PASSWORD ${admin.escapeLiteral(password)}`,
    );
    const secretId = 'demo/db';
    await secretsManager.send(
      new CreateSecretCommand({
        Name: secretId,
        Description: 'The demo app database user (rotated every few seconds)',
        SecretString: JSON.stringify({
          engine: 'postgres',
          ...address,
          username,
          password,
          dbname: 'postgres',
        }),
      }),
    );
    return {
      username,
      secretId,
      async drop() {
        try {
          await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(username)}`);
        } finally {
          await admin.end();
        }
      },
    };
  } catch (error) {
    await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(username)}`).catch(() => undefined);
    await admin.end();
    throw error;
  }
}
