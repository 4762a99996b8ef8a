/**
 * The demo's database user and the secret that holds its credentials, on a PostgreSQL that checks passwords: the
 * one at `--postgres` when it does, else a private cluster (scram-sha-256) started as the tests start one, because a
 * server that trusts every local login accepts any password and a rotation would then change nothing a client
 * notices. Only when no cluster can start (no server binaries) does the demo rotate on the trusting server, and says so.
 */
import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { startPostgresCluster } from '../test/support/postgres-cluster.js';

export interface PostgresAddress {
  readonly host: string;
  readonly port: number;
}

/** The PostgreSQL the demo user lives on. */
export interface DemoServer {
  readonly address: PostgresAddress;
  /** How the demo connects as its administrator. */
  readonly admin: { readonly user: string; readonly password?: string; readonly database: string };
  /** Which server this is, for the demo's output. */
  readonly description: string;
  /** Stops the server when the demo started it. */
  stop(): Promise<void>;
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

/** The server at `address` when it refuses a wrong password; else a private cluster that checks passwords. */
export async function passwordCheckingServer(address: PostgresAddress): Promise<DemoServer> {
  const at = `${address.host}:${address.port}`;
  const given: DemoServer = {
    address,
    admin: ADMIN,
    description: `PostgreSQL at ${at}`,
    stop: async () => undefined,
  };
  const wrongPassword = `latchkey-demo-${randomBytes(8).toString('hex')}`;
  if ((await connectError({ ...address, ...ADMIN, password: wrongPassword })) !== undefined) return given;
  try {
    const cluster = await startPostgresCluster();
    return {
      address: { host: cluster.host, port: cluster.port },
      admin: { user: cluster.superuser, password: cluster.superuserPassword, database: cluster.database },
      description: `a private PostgreSQL cluster at ${cluster.host}:${cluster.port} started for the demo (scram-sha-256), because PostgreSQL at ${at} trusts every local connection`,
      stop: () => cluster.stop(),
    };
  } catch (error) {
    return {
      ...given,
      description: `${given.description} (no private cluster: ${(error as Error).message})`,
    };
  }
}

/** Creates a login user with a random password and the `demo/db` secret (RDS JSON format) holding it. */
export async function createDemoDatabase(
  server: DemoServer,
  secretsManager: SecretsManagerClient,
): Promise<DemoDatabase> {
  const { address } = server;
  const admin = new pg.Client({ ...address, ...server.admin });
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
          database: server.admin.database,
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
