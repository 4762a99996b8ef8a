import { invalidParameter, resourceNotFound } from '../errors.js';
import type { Operation, OperationResult } from './context.js';
import {
  epochSeconds,
  readSecretId,
  readToken,
  readVersionId,
  readVersionStage,
  requireSecretValue,
  startOfUtcDay,
  valueMembers,
} from './fields.js';
import type { Input } from './input.js';
import { AWSCURRENT, findVersion, type Secret, type SecretVersion, versionWithStage } from './model.js';
import { paginate } from './pagination.js';
import { attachStage, detachStage, putValue } from './stages.js';
import type { SecretStore } from './store.js';

/** GetSecretValue, PutSecretValue, UpdateSecretVersionStage, ListSecretVersionIds. */

export interface VersionSelector {
  versionId?: string;
  versionStage?: string;
}

/**
 * The version a GetSecretValue-style request names (AWSCURRENT by default). A version that exists but has no
 * value yet (the empty AWSPENDING version of a rotation) is ResourceNotFoundException, as AWS answers it.
 * Reading records the access date (day precision) on the secret and the version.
 */
export function readSecretVersion(
  store: SecretStore,
  secret: Secret,
  selector: VersionSelector,
  now: number,
) {
  const { versionId, versionStage } = selector;
  const stage = versionStage ?? (versionId === undefined ? AWSCURRENT : undefined);
  const version = versionId !== undefined ? findVersion(secret, versionId) : versionWithStage(secret, stage!);
  const what = [
    versionId !== undefined ? `VersionId: ${versionId}` : undefined,
    stage !== undefined ? `staging label: ${stage}` : undefined,
  ]
    .filter(Boolean)
    .join(' and ');
  if (!version || version.value === undefined || (stage !== undefined && !version.stages.includes(stage))) {
    throw resourceNotFound(`Secrets Manager can't find the specified secret value for ${what}`);
  }
  const day = startOfUtcDay(now);
  if (secret.lastAccessedAt !== day || version.lastAccessedAt !== day) {
    secret.lastAccessedAt = day;
    version.lastAccessedAt = day;
    store.markChanged();
  }
  return version;
}

export function secretValueMembers(secret: Secret, version: SecretVersion): OperationResult {
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.id,
    ...valueMembers(version.value),
    VersionStages: [...version.stages],
    CreatedDate: epochSeconds(version.createdAt),
  };
}

export function readSelector(input: Input): VersionSelector {
  return {
    versionId: readVersionId(input, 'VersionId'),
    versionStage: readVersionStage(input, 'VersionStage'),
  };
}

export const getSecretValue: Operation = (input, { store, now }) => {
  const secret = store.resolve(readSecretId(input));
  const version = readSecretVersion(store, secret, readSelector(input), now());
  return secretValueMembers(secret, version);
};

export const putSecretValue: Operation = (input, { store, now }) => {
  const secret = store.resolve(readSecretId(input));
  const token = readToken(input);
  const value = requireSecretValue(input);
  const stages = input.stringList('VersionStages', { min: 1, max: 20 }, { min: 1, max: 256 }) ?? [AWSCURRENT];
  // Accepted for cross-account rotation; AWS validates it against the caller's role, the emulator has no IAM.
  input.string('RotationToken', { min: 36, max: 256 });
  const { version, changed } = putValue(secret, { token, value, stages, now: now(), repeatable: true });
  if (changed) store.markChanged();
  return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages] };
};

export const updateSecretVersionStage: Operation = (input, { store, now }) => {
  const secret = store.resolve(readSecretId(input));
  const stage = input.required('VersionStage', readVersionStage(input, 'VersionStage'));
  const removeFromId = readVersionId(input, 'RemoveFromVersionId');
  const moveToId = readVersionId(input, 'MoveToVersionId');
  if (removeFromId === undefined && moveToId === undefined) {
    throw invalidParameter('You must specify MoveToVersionId, RemoveFromVersionId, or both.');
  }
  const versionById = (id: string) => {
    const version = findVersion(secret, id);
    if (!version)
      throw resourceNotFound(`Secrets Manager can't find version ${id} of secret ${secret.name}.`);
    return version;
  };
  const removeFrom = removeFromId === undefined ? undefined : versionById(removeFromId);
  const moveTo = moveToId === undefined ? undefined : versionById(moveToId);
  const holder = versionWithStage(secret, stage);
  if (removeFrom && removeFrom !== holder) {
    throw invalidParameter(
      `The staging label ${stage} is not attached to version ${removeFrom.id} of secret ${secret.name}, so it can't be removed from it.`,
    );
  }
  if (moveTo) {
    if (holder && holder !== moveTo && holder !== removeFrom) {
      throw invalidParameter(
        `The staging label ${stage} is attached to version ${holder.id} of secret ${secret.name}; pass that version as RemoveFromVersionId to move the label.`,
      );
    }
    attachStage(secret, stage, moveTo);
  } else {
    if (stage === AWSCURRENT) {
      throw invalidParameter(
        `You can't remove the staging label AWSCURRENT from secret ${secret.name} without moving it: specify MoveToVersionId.`,
      );
    }
    detachStage(removeFrom!, stage);
  }
  secret.lastChangedAt = now();
  store.markChanged();
  return { ARN: secret.arn, Name: secret.name };
};

export const listSecretVersionIds: Operation = (input, { store }) => {
  const secret = store.resolve(readSecretId(input));
  const maxResults = input.integer('MaxResults', { min: 1, max: 100 }) ?? 100;
  const nextToken = input.string('NextToken', { min: 1, max: 4096 });
  const includeDeprecated = input.boolean('IncludeDeprecated') ?? false;
  const versions = secret.versions
    .filter((version) => includeDeprecated || version.stages.length > 0)
    .reverse()
    .map((version) => ({
      VersionId: version.id,
      VersionStages: [...version.stages],
      LastAccessedDate: epochSeconds(version.lastAccessedAt),
      CreatedDate: epochSeconds(version.createdAt),
      KmsKeyIds: version.kmsKeyId ? [version.kmsKeyId] : undefined,
    }));
  const { page, nextToken: next } = paginate('ListSecretVersionIds', versions, maxResults, nextToken);
  return { Versions: page, NextToken: next, ARN: secret.arn, Name: secret.name };
};
