import { randomUUID } from 'node:crypto';
import { limitExceeded, resourceExists } from '../errors.js';
import {
  AWSCURRENT,
  AWSPENDING,
  AWSPREVIOUS,
  findVersion,
  pendingRotationVersion,
  type Secret,
  type SecretVersion,
  type StoredValue,
  sameValue,
  versionWithStage,
} from './model.js';

/** AWS keeps the 100 most recent versions; older versions without a label are removed. */
const MAX_VERSIONS = 100;

function removeStage(version: SecretVersion, stage: string): void {
  version.stages = version.stages.filter((s) => s !== stage);
}

/**
 * Attaches a label to a version, taking it off the version that held it (a label is on one version at a time).
 * Moving AWSCURRENT puts AWSPREVIOUS on the version AWSCURRENT left, as the service does.
 */
export function attachStage(secret: Secret, stage: string, target: SecretVersion): void {
  const holder = versionWithStage(secret, stage);
  if (holder === target) return;
  if (holder) removeStage(holder, stage);
  target.stages.push(stage);
  if (stage === AWSCURRENT && holder) {
    const previous = versionWithStage(secret, AWSPREVIOUS);
    if (previous) removeStage(previous, AWSPREVIOUS);
    holder.stages.push(AWSPREVIOUS);
  }
}

export function detachStage(version: SecretVersion, stage: string): void {
  removeStage(version, stage);
}

/** Drops the oldest versions without a label once a secret holds more than AWS keeps. */
export function pruneDeprecatedVersions(secret: Secret): void {
  let excess = secret.versions.length - MAX_VERSIONS;
  if (excess <= 0) return;
  secret.versions = secret.versions.filter((version) => {
    if (excess > 0 && version.stages.length === 0) {
      excess--;
      return false;
    }
    return true;
  });
}

export interface PutValueRequest {
  token: string | undefined;
  value: StoredValue;
  stages: string[];
  now: number;
  /**
   * Whether repeating a token with the same value is a no-op (CreateSecret, PutSecretValue) rather than an error
   * (UpdateSecret: "a ClientRequestToken that matches an existing version's VersionId ... results in an error").
   */
  repeatable: boolean;
}

export interface PutValueResult {
  version: SecretVersion;
  /** False when the request repeated an existing version (idempotent no-op). */
  changed: boolean;
}

/**
 * Stores a value as the version named by the ClientRequestToken (the idempotency rules of CreateSecret,
 * PutSecretValue and UpdateSecret):
 * - a token naming an existing version with the same value changes nothing (where `repeatable`);
 * - a token naming an existing version with a different value is refused (versions are immutable);
 * - a token naming the empty AWSPENDING version RotateSecret created fills it (the rotation function's
 *   createSecret step);
 * - otherwise a new version gets the requested labels, plus AWSCURRENT if the secret has no current version.
 * A new AWSCURRENT version put while a rotation is in progress abandons that rotation: AWSPENDING is taken off
 * the in-progress version (AWS's RotationAbandoned).
 */
export function putValue(secret: Secret, request: PutValueRequest): PutValueResult {
  const versionId = request.token ?? randomUUID();
  const existing = findVersion(secret, versionId);
  if (existing?.value !== undefined) {
    if (request.repeatable && sameValue(existing.value, request.value))
      return { version: existing, changed: false };
    const what = sameValue(existing.value, request.value)
      ? 'already exists'
      : 'already holds a different value';
    throw resourceExists(
      `You can't modify an existing version, you can only create a new version: version ${versionId} of secret ${secret.name} ${what}.`,
    );
  }
  if (
    !existing &&
    secret.versions.length >= MAX_VERSIONS &&
    secret.versions.every((v) => v.stages.length > 0)
  ) {
    throw limitExceeded(
      `Secret ${secret.name} has ${secret.versions.length} versions that all carry staging labels; remove labels from old versions before adding more.`,
    );
  }
  const inProgress = pendingRotationVersion(secret);
  const version = existing ?? { id: versionId, stages: [], createdAt: request.now };
  version.value = request.value;
  if (!existing) {
    if (secret.kmsKeyId) version.kmsKeyId = secret.kmsKeyId;
    secret.versions.push(version);
  }
  const stages = [...request.stages];
  // A secret's first version becomes AWSCURRENT. Filling the empty pending version of a rotation is not creating
  // one: a secret created without a value gets its first value by rotation, and finishSecret moves AWSCURRENT.
  if (!existing && !versionWithStage(secret, AWSCURRENT) && !stages.includes(AWSCURRENT))
    stages.push(AWSCURRENT);
  for (const stage of stages) attachStage(secret, stage, version);
  if (inProgress && inProgress !== version && version.stages.includes(AWSCURRENT)) {
    detachStage(inProgress, AWSPENDING);
  }
  secret.lastChangedAt = request.now;
  pruneDeprecatedVersions(secret);
  return { version, changed: true };
}
