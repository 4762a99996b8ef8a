/**
 * One engine and one strategy: a database secret in the emulator, the two apps querying with it, and RotateSecret
 * called again and again, each rotation awaited through the emulator's API. The next rotation starts once both apps
 * have queried since, the sidecar client with the new version: alternating users keep the previous credentials
 * valid for exactly one rotation, so a client must pick up each version before the one after it (what any real
 * rotation schedule gives it).
 */
import { randomBytes } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { AwsSource, type Logger, type SecretRequest, type SecretSource, SecretsCache } from '@latchkey/sdk';
import { type ClientCounts, SdkApp, SidecarClient } from './clients.js';
import { type Database, type EngineName, newPassword } from './databases.js';
import type { SecretValues } from './secret-values.js';
import type { Stack } from './stack.js';
import { waitFor } from './wait.js';

export type Strategy = 'single-user' | 'alternating-users';

export interface RotationRecord {
  readonly versionId: string;
  readonly status: string;
  /** The function's error message when a step failed (value-free). */
  readonly error?: string;
  /** AWSCURRENT moved from the previous version to this one, and this one's password differs. */
  readonly currentChanged: boolean;
  /** The user name changed (alternating users) or stayed (single user), as the strategy says. */
  readonly userAsExpected: boolean;
  /** `performance.now()` times. */
  readonly setSecretStartedAt?: number;
  readonly finishSecretDoneAt?: number;
  /** When the sidecar client first received this version. */
  readonly sidecarSeenAt?: number;
  /** Queries each app had run when this rotation was done and the sidecar client had the new version. */
  readonly queriesSoFar: QueryCounts;
}

export interface QueryCounts {
  readonly app: number;
  readonly sidecarClient: number;
}

export interface ScenarioReport {
  readonly engine: EngineName;
  readonly strategy: Strategy;
  readonly rotationsRequested: number;
  /** The version before the first rotation, then one record per rotation. */
  readonly initialVersionId: string;
  /** Queries each app had run before the first rotation. */
  readonly warmUpQueries: QueryCounts;
  readonly rotations: readonly RotationRecord[];
  /** `retries`: version checks after refused logins (see VersionCheckCountingSource). */
  readonly sdkApp: ClientCounts & { readonly retries: number };
  readonly sidecarClient: ClientCounts;
}

export interface ScenarioOptions {
  readonly rotations: number;
  /** How long to wait for the sidecar client to receive a new version. */
  readonly pickupTimeoutMs: number;
  readonly sdkLogger: Logger;
  readonly progress: (line: string) => void;
  /** Stops the scenario after the rotation in progress (the apps are stopped and everything cleaned up). */
  readonly signal?: AbortSignal;
}

/**
 * Counts DescribeSecret calls; passes everything through. The app's cache keeps the default 5-minute TTL, so within a
 * run every version check comes from the pool helper re-checking the secret after a refused login (or the short
 * rotation polling such a check starts).
 */
class VersionCheckCountingSource implements SecretSource {
  versionChecks = 0;

  constructor(private readonly inner: AwsSource) {}

  getSecretValue(request: SecretRequest) {
    return this.inner.getSecretValue(request);
  }

  describeSecret(secretId: string, signal?: AbortSignal) {
    this.versionChecks += 1;
    return this.inner.describeSecret(secretId, signal);
  }

  close(): void {
    this.inner.close();
  }
}

/** Queries made before the first rotation, so both apps are known to work before anything changes. */
const WARM_UP_QUERIES = 20;

export async function runScenario(
  stack: Stack,
  db: Database,
  strategy: Strategy,
  secrets: SecretValues,
  options: ScenarioOptions,
): Promise<ScenarioReport> {
  const sm = stack.secretsManager;
  const tag = `${db.engine}/${strategy}`;
  const current = async (secretId: string) => {
    const output = await sm.send(new GetSecretValueCommand({ SecretId: secretId }));
    const value = JSON.parse(output.SecretString!) as { username: string; password: string };
    secrets.add(value.password);
    return { versionId: output.VersionId!, ...value };
  };
  const secretId = await createDatabaseSecret(stack, db, strategy, secrets, 'e2e');

  const source = new VersionCheckCountingSource(new AwsSource({ clientConfig: stack.emulator.clientConfig }));
  // An app's cache as the SDK's README shows it (default TTL); the pool helper does the rotation work.
  const cache = new SecretsCache({ source, logger: options.sdkLogger });
  const app = new SdkApp(db, await db.pool(cache, secretId), 10);
  const sidecarClient = new SidecarClient(
    db,
    { url: stack.sidecarUrl, token: stack.sidecarToken },
    secretId,
    10,
  );
  app.start(2);
  sidecarClient.start(1);

  const rotations: RotationRecord[] = [];
  const queriesSoFar = (): QueryCounts => ({ app: app.queries, sidecarClient: sidecarClient.queries });
  let warmUpQueries = queriesSoFar();
  let initialVersionId = '';
  try {
    await waitFor(
      `${tag}: both apps querying`,
      () => app.queries >= WARM_UP_QUERIES && sidecarClient.queries >= WARM_UP_QUERIES,
      30_000,
      options.signal,
    );
    let before = await current(secretId);
    initialVersionId = before.versionId;
    warmUpQueries = queriesSoFar();
    for (let i = 0; i < options.rotations; i++) {
      options.signal?.throwIfAborted();
      const { versionId, status, error } = await rotateOnce(stack, db, secretId);
      const after = await current(secretId);
      const stages =
        (await sm.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages ?? {};
      const sameUser = after.username === before.username;
      if (status === 'succeeded') {
        // Both apps have moved on: the sidecar client has queried with the new version, the app has queried since.
        const appQueries = app.queries;
        await waitFor(
          `${tag}: both apps querying with version ${versionId}`,
          () => sidecarClient.queriedWith.has(versionId) && app.queries > appQueries,
          options.pickupTimeoutMs,
          options.signal,
        ).catch(() => undefined);
      }
      const sidecarSeenAt = sidecarClient.firstSeen.get(versionId);
      const times = stack.steps.get(versionId) ?? {};
      const record: RotationRecord = {
        versionId,
        status,
        ...(error ? { error } : {}),
        currentChanged:
          after.versionId === versionId &&
          after.versionId !== before.versionId &&
          after.password !== before.password &&
          (stages[versionId] ?? []).includes('AWSCURRENT'),
        userAsExpected: strategy === 'single-user' ? sameUser : !sameUser,
        setSecretStartedAt: times.setSecretStartedAt,
        finishSecretDoneAt: times.finishSecretDoneAt,
        sidecarSeenAt,
        queriesSoFar: queriesSoFar(),
      };
      rotations.push(record);
      options.progress(describeRotation(tag, i + 1, record));
      // Secrets Manager refuses the next rotation while a failed one's AWSPENDING remains: the report shows this one.
      if (status !== 'succeeded') break;
      before = after;
    }
    // Both apps must still be up after the last rotation: wait for a query of each (the check reports a miss).
    const last = queriesSoFar();
    await waitFor(
      `${tag}: both apps querying after the last rotation`,
      () => app.queries > last.app && sidecarClient.queries > last.sidecarClient,
      options.pickupTimeoutMs,
      options.signal,
    ).catch(() => undefined);
  } finally {
    await Promise.all([app.stop(), sidecarClient.stop()]);
    await cache.close();
    source.close();
  }
  return {
    engine: db.engine,
    strategy,
    rotationsRequested: options.rotations,
    initialVersionId,
    warmUpQueries,
    rotations,
    sdkApp: {
      queries: app.queries,
      connections: app.connections,
      failures: app.failures,
      retries: source.versionChecks,
    },
    sidecarClient: {
      queries: sidecarClient.queries,
      connections: sidecarClient.connections,
      failures: sidecarClient.failures,
    },
  };
}

/**
 * A database user and its secret in the emulator (with a master secret for alternating users), named
 * `<prefix>/<engine>-<strategy>-<random>`. Every password goes into `secrets`, for the leak checks.
 */
export async function createDatabaseSecret(
  stack: Stack,
  db: Database,
  strategy: Strategy,
  secrets: SecretValues,
  prefix: string,
): Promise<string> {
  const createSecret = async (name: string, value: object) =>
    (
      await stack.secretsManager.send(
        new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }),
      )
    ).ARN!;
  const suffix = randomBytes(4).toString('hex');
  const user = { username: db.userName('lk_e2e_app'), password: newPassword() };
  secrets.add(user.password);
  await db.createUser(user);
  let masterarn: string | undefined;
  if (strategy === 'alternating-users') {
    secrets.add(db.master.password);
    masterarn = await createSecret(`${prefix}/${db.engine}-master-${suffix}`, {
      ...db.location,
      ...db.master,
    });
  }
  return createSecret(`${prefix}/${db.engine}-${strategy}-${suffix}`, {
    ...db.location,
    ...user,
    ...(masterarn ? { masterarn } : {}),
  });
}

/** One RotateSecret with our rotation function, awaited through the emulator: the new version and how it ended. */
export async function rotateOnce(
  stack: Stack,
  db: Database,
  secretId: string,
): Promise<{ versionId: string; status: string; error?: string }> {
  const { VersionId } = await stack.secretsManager.send(
    new RotateSecretCommand({
      SecretId: secretId,
      RotationLambdaARN: stack.lambdaArn(db.family),
      RotationRules: { AutomaticallyAfterDays: 30 },
    }),
  );
  const versionId = VersionId!;
  const outcome = await stack.emulator.rotation.whenIdle(secretId);
  const status = outcome?.versionId === versionId ? outcome.status : 'unknown';
  return { versionId, status, ...(outcome?.error ? { error: outcome.error } : {}) };
}

function describeRotation(tag: string, index: number, record: RotationRecord): string {
  const pickup =
    record.sidecarSeenAt !== undefined && record.finishSecretDoneAt !== undefined
      ? `, sidecar serving it ${Math.round(record.sidecarSeenAt - record.finishSecretDoneAt)} ms after finishSecret`
      : '';
  return `${tag}: rotation ${index} ${record.status} (version ${record.versionId.slice(0, 8)})${pickup}`;
}
