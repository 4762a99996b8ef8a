/**
 * The demo's database user on the shared PostgreSQL, and the secret that holds its credentials. The development
 * server trusts local logins: it accepts any password, so the rotation function's setSecret finds the pending
 * password already working and changes nothing in the database. The demo finds out and says so.
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
  /** Whether the server refuses a wrong password for the demo user (false on a trust-auth server). */
  readonly checksPasswords: boolean;
  /** Drops the demo user. */
  drop(): Promise<void>;
}

const ADMIN = { user: 'postgres', database: 'postgres' } as const;

/** Connects and disconnects: undefined when that worked, else the error code (or message). */
async function connectError(config: pg.ClientConfig): Promise<string | undefined> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why PostgreSQL cannot be used (no server answering, refused), or undefined when it can. */
export async function postgresUnavailable(address: PostgresAddress): Promise<string | undefined> {
  const error = await connectError({ ...address, ...ADMIN });
  return (
    error &&
    `PostgreSQL at ${address.host}:${address.port} did not accept a connection as ${ADMIN.user} (${error})`
  );
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
        // ssl false: the local server has no TLS; saying so keeps the rotation function from trying it first.
        SecretString: JSON.stringify({
          engine: 'postgres',
          ...address,
          username,
          password,
          dbname: 'postgres',
          ssl: false,
        }),
      }),
    );
    return {
      username,
      secretId,
      checksPasswords:
        (await connectError({
          ...address,
          database: ADMIN.database,
          user: username,
          password: `not-${password}`,
        })) !== undefined,
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
