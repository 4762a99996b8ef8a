// A database client that keeps working through secret rotations, on the SDK: a SecretsCache reading through the
// sidecar (AgentSource) and the SDK's pool helper, which applies the rotation-safe pattern itself (a refused login
// is retried with refreshNow=true, then AWSPENDING; the app adds the backoff). It opens a connection per query, the
// worst case for a rotation.
//
//   DB_SECRET_ID=prod/db AWS_TOKEN=file:///var/run/latchkey/token node db-client.mjs
//
// Environment (the names of the sidecar's Kubernetes and ECS manifests): SECRETS_URL (default
// http://127.0.0.1:2773); AWS_TOKEN, AWS_SESSION_TOKEN or AWS_CONTAINER_AUTHORIZATION_TOKEN (file:///path names a
// file holding it; AgentSource reads them); DB_SECRET_ID; QUERY_INTERVAL_MS (default 1000); SIDECAR_WAIT_SECONDS
// (default 30). Prints one line per query and per retry; never a secret value.
import { setTimeout as sleep } from 'node:timers/promises';
import { AgentSource, SecretsCache } from '@latchkey/sdk';

const url = process.env.SECRETS_URL || 'http://127.0.0.1:2773';
const secretId = process.env.DB_SECRET_ID;
const intervalMs = Number(process.env.QUERY_INTERVAL_MS || 1000);
const waitSeconds = Number(process.env.SIDECAR_WAIT_SECONDS || 30);
if (!secretId) {
  console.error("set DB_SECRET_ID to the database secret's name or ARN");
  process.exit(2);
}

const cache = new SecretsCache({ source: new AgentSource({ endpoint: url }) });

// Start-up: the sidecar may still be starting; wait for it, bounded. Only transient errors are worth waiting for.
const deadline = Date.now() + waitSeconds * 1000;
let first;
while (first === undefined) {
  try {
    first = await cache.get(secretId);
  } catch (error) {
    if (error.transient !== true) {
      console.error(error.message);
      process.exit(1);
    }
    if (Date.now() > deadline) {
      console.error(
        `the sidecar at ${url} did not answer within ${waitSeconds} s (is it running? set SECRETS_URL)`,
      );
      process.exit(1);
    }
    await sleep(200);
  }
}
const { engine, host } = JSON.parse(first.string);

// Every read after the first comes from the pool helper after a refused login (the cache's TTL is 5 minutes).
cache.on('refresh', ({ versionStage }) => {
  console.log(`login refused: retried with refreshNow=true versionStage=${versionStage ?? 'AWSCURRENT'}`);
});

/** A connection per query: connect (through the pool helper), SELECT 1, close. */
let query;
let isAuthError;
if (engine === 'postgres' || engine === 'aurora-postgresql') {
  const { createPgPool, isPgAuthError } = await import('@latchkey/sdk/pg');
  isAuthError = isPgAuthError;
  const pool = await createPgPool({ cache, secretId, max: 1, connectionTimeoutMillis: 5_000 });
  query = async () => {
    const client = await pool.connect();
    try {
      await client.query('SELECT 1');
    } finally {
      client.release(true);
    }
  };
} else if (engine === 'mysql' || engine === 'mariadb' || engine === 'aurora-mysql') {
  const { createMysqlPool, isMysqlAuthError } = await import('@latchkey/sdk/mysql');
  isAuthError = isMysqlAuthError;
  const pool = await createMysqlPool({ cache, secretId, connectionLimit: 1, connectTimeout: 5_000 });
  query = async () => {
    const connection = await pool.getConnection();
    try {
      await connection.query('SELECT 1');
    } finally {
      connection.destroy();
    }
  };
} else {
  console.error(`unsupported engine '${engine}' in the secret`);
  process.exit(1);
}
console.log(`reading ${secretId} from ${url} (${engine} at ${host})`);

/** The pattern's last step, which the pool helper leaves to the app: when even its retry is refused (the rotation
 * finished between its checks), back off briefly and try again. */
async function queryWithBackoff() {
  for (const backoffMs of [200, 500, 1000]) {
    try {
      return await query();
    } catch (error) {
      if (!isAuthError(error)) throw error;
      console.log(`login refused: backing off ${backoffMs} ms`);
      await sleep(backoffMs);
    }
  }
  return query();
}

for (;;) {
  const started = performance.now();
  try {
    await queryWithBackoff();
    const { versionId } = await cache.get(secretId);
    console.log(
      `query ok in ${Math.round(performance.now() - started)} ms (version ${versionId.slice(0, 8)})`,
    );
  } catch (error) {
    console.log(`query failed: ${error.message}`);
  }
  await sleep(intervalMs);
}
