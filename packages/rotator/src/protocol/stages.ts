import type { DescribeSecretCommandOutput } from '@aws-sdk/client-secrets-manager';
import { RotationStateError } from '../errors.js';
import { AWSCURRENT, AWSPENDING } from './secret-store.js';

export interface StageCheckOptions {
  /** The Lambda protocol refuses a secret whose RotationEnabled is false; the local driver plays the service and may not. */
  readonly requireRotationEnabled: boolean;
  /** The local driver's createSecret creates the token's version itself, so the token need not exist yet. */
  readonly tokenMayBeNew: boolean;
}

/**
 * The check every step starts with (AWS's preamble): `done` when the token's version already holds AWSCURRENT
 * (a retry after finishSecret), `proceed` when it holds AWSPENDING, an error otherwise.
 */
export function checkRotationState(
  metadata: DescribeSecretCommandOutput,
  secretId: string,
  token: string,
  options: StageCheckOptions,
): 'proceed' | 'done' {
  // DescribeSecret may omit RotationEnabled when it is false, so anything but true counts as disabled.
  if (options.requireRotationEnabled && metadata.RotationEnabled !== true) {
    throw new RotationStateError(`secret ${secretId} is not enabled for rotation`, { secretId });
  }
  const stages = metadata.VersionIdsToStages?.[token];
  if (stages === undefined) {
    if (options.tokenMayBeNew) return 'proceed';
    throw new RotationStateError(`secret version ${token} has no stage for rotation of secret ${secretId}`, {
      secretId,
    });
  }
  if (stages.includes(AWSCURRENT)) return 'done';
  if (!stages.includes(AWSPENDING)) {
    throw new RotationStateError(
      `secret version ${token} not set as AWSPENDING for rotation of secret ${secretId}`,
      {
        secretId,
      },
    );
  }
  return 'proceed';
}
