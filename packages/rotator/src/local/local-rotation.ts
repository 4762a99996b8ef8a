import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { RotationStateError } from '../errors.js';
import { ROTATION_STEPS, type RotationStep } from '../protocol/event.js';
import type { Rotator } from '../protocol/rotator.js';
import { AWSCURRENT, AWSPENDING, type SecretStore, versionWithStage } from '../protocol/secret-store.js';

export interface LocalRotationOptions {
  /** Run only this step (default: all four, in order). */
  readonly step?: RotationStep;
  /** The version to work on; default: the rotation in progress, or a fresh UUID for a new one. */
  readonly token?: string;
}

export interface LocalRotationResult {
  readonly secretId: string;
  readonly versionId: string;
  readonly steps: RotationStep[];
  /** True when an unfinished rotation (AWSPENDING on a version other than AWSCURRENT) was picked up. */
  readonly resumed: boolean;
}

/**
 * Plays the Secrets Manager service for a local run (laptop, CI, cron): chooses the token and invokes the steps.
 *
 * The service creates an empty AWSPENDING version before createSecret; PutSecretValue cannot create a version
 * without a value, so the local driver does not: it runs createSecret with a fresh token that is not yet a
 * version, and createSecret's PutSecretValue creates it with the value and AWSPENDING in one call. From then on
 * every step runs the same stage checks as under Lambda. An unfinished rotation (a version holding AWSPENDING but
 * not AWSCURRENT) is resumed with its token rather than overwritten, as the service would retry it.
 */
export async function rotateLocally(
  rotator: Rotator,
  store: SecretStore,
  secretId: string,
  options: LocalRotationOptions,
  logger: Logger,
): Promise<LocalRotationResult> {
  const metadata = await store.describe(secretId);
  const pendingVersion = versionWithStage(metadata, AWSPENDING);
  const inProgress =
    pendingVersion !== undefined &&
    !(metadata.VersionIdsToStages?.[pendingVersion] ?? []).includes(AWSCURRENT)
      ? pendingVersion
      : undefined;
  const steps = options.step ? [options.step] : [...ROTATION_STEPS];
  let token = options.token ?? inProgress;
  if (token === undefined) {
    if (steps[0] !== 'createSecret') {
      throw new RotationStateError(
        `secret ${secretId} has no rotation in progress: run createSecret first, or pass --token`,
        { secretId },
      );
    }
    token = randomUUID();
  }
  const resumed = options.token === undefined && inProgress !== undefined;
  if (resumed) logger.info({ secretId, versionId: token }, 'resuming the rotation in progress');
  for (const step of steps) {
    await rotator.runStep(
      { SecretId: secretId, ClientRequestToken: token, Step: step },
      { tokenMayBeNew: true },
    );
  }
  if (steps.includes('finishSecret')) {
    // The service's own clean-up after a successful rotation: AWSPENDING leaves the new current version.
    const after = await store.describe(secretId);
    const stages = after.VersionIdsToStages?.[token] ?? [];
    if (stages.includes(AWSCURRENT) && stages.includes(AWSPENDING))
      await store.removeStage(secretId, AWSPENDING, token);
  }
  return { secretId: metadata.ARN ?? secretId, versionId: token, steps, resumed };
}
