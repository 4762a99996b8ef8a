import { invalidParameter, invalidRequest, resourceExists } from '../errors.js';
import type { Operation, OperationResult } from './context.js';
import {
  epochSeconds,
  mergeTags,
  readSecretId,
  readSecretName,
  readSecretValue,
  readTags,
  readToken,
} from './fields.js';
import { AWSCURRENT, findVersion, type Secret, sameValue } from './model.js';
import { putValue } from './stages.js';

/** CreateSecret, UpdateSecret, DescribeSecret, DeleteSecret, RestoreSecret. */

const DAY_MS = 86_400_000;

/**
 * The metadata DescribeSecret and ListSecrets share (ListSecrets calls the stage map SecretVersionsToStages).
 * Like AWS, only members that have a value are returned.
 */
export function secretMetadata(secret: Secret): OperationResult {
  const stages: Record<string, string[]> = {};
  for (const version of secret.versions) {
    if (version.stages.length > 0) stages[version.id] = [...version.stages];
  }
  return {
    ARN: secret.arn,
    Name: secret.name,
    Description: secret.description,
    KmsKeyId: secret.kmsKeyId,
    RotationEnabled: secret.rotationEnabled,
    RotationLambdaARN: secret.rotationLambdaArn,
    RotationRules: secret.rotationRules,
    LastRotatedDate: epochSeconds(secret.lastRotatedAt),
    LastChangedDate: epochSeconds(secret.lastChangedAt),
    LastAccessedDate: epochSeconds(secret.lastAccessedAt),
    DeletedDate: epochSeconds(secret.deletedAt),
    NextRotationDate: secret.rotationEnabled ? epochSeconds(secret.nextRotationAt) : undefined,
    Tags: secret.tags.length > 0 ? secret.tags : undefined,
    VersionIdsToStages: Object.keys(stages).length > 0 ? stages : undefined,
    CreatedDate: epochSeconds(secret.createdAt),
  };
}

const readDescription = (input: Parameters<Operation>[0]) => input.string('Description', { max: 2048 });
const readKmsKeyId = (input: Parameters<Operation>[0]) => input.string('KmsKeyId', { min: 0, max: 2048 });

export const createSecret: Operation = (input, { store, now }) => {
  const name = readSecretName(input);
  const token = readToken(input);
  const value = readSecretValue(input);
  const description = readDescription(input);
  const kmsKeyId = readKmsKeyId(input);
  const tags = readTags(input) ?? [];
  if (input.has('AddReplicaRegions')) {
    throw invalidRequest('The Latchkey emulator does not support replica regions (AddReplicaRegions).');
  }
  const existing = store.byExactName(name);
  if (existing) {
    if (existing.deletedAt !== undefined) {
      throw invalidRequest(
        `You can't create this secret because a secret with the name ${name} is already scheduled for deletion.`,
      );
    }
    const repeated = token === undefined ? undefined : findVersion(existing, token);
    if (repeated && sameValue(repeated.value, value)) {
      return { ARN: existing.arn, Name: existing.name, VersionId: repeated.id };
    }
    throw resourceExists(`The operation failed because the secret ${name} already exists.`);
  }
  const at = now();
  const secret: Secret = {
    arn: store.newArn(name),
    name,
    description,
    kmsKeyId: kmsKeyId || undefined,
    tags: mergeTags([], tags),
    createdAt: at,
    lastChangedAt: at,
    versions: [],
  };
  const version = value
    ? putValue(secret, { token, value, stages: [AWSCURRENT], now: at, repeatable: true }).version
    : undefined;
  store.insert(secret);
  return { ARN: secret.arn, Name: secret.name, VersionId: version?.id };
};

export const updateSecret: Operation = (input, { store, now }) => {
  const secret = store.resolve(readSecretId(input));
  const token = readToken(input);
  const value = readSecretValue(input);
  const description = readDescription(input);
  const kmsKeyId = readKmsKeyId(input);
  const at = now();
  // The value first: if it is refused, the metadata stays as it was too.
  const version = value
    ? putValue(secret, { token, value, stages: [AWSCURRENT], now: at, repeatable: false }).version
    : undefined;
  if (description !== undefined) secret.description = description;
  if (kmsKeyId !== undefined) secret.kmsKeyId = kmsKeyId || undefined;
  if (description !== undefined || kmsKeyId !== undefined) secret.lastChangedAt = at;
  store.markChanged();
  return { ARN: secret.arn, Name: secret.name, VersionId: version?.id };
};

export const describeSecret: Operation = (input, { store }) =>
  secretMetadata(store.resolve(readSecretId(input), { allowDeleted: true }));

export const deleteSecret: Operation = (input, { store, now }) => {
  const secretId = readSecretId(input);
  const recoveryDays = input.integer('RecoveryWindowInDays');
  const force = input.boolean('ForceDeleteWithoutRecovery') ?? false;
  if (force && recoveryDays !== undefined) {
    throw invalidParameter(
      "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
    );
  }
  if (recoveryDays !== undefined && (recoveryDays < 7 || recoveryDays > 30)) {
    throw invalidParameter('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
  }
  const at = now();
  if (force) {
    // AWS answers success for a forced delete of a secret that does not exist.
    const secret = store.lookup(secretId);
    if (secret) store.remove(secret);
    return { ARN: secret?.arn, Name: secret?.name ?? secretId, DeletionDate: epochSeconds(at) };
  }
  const secret = store.lookup(secretId);
  if (secret?.deletedAt !== undefined) {
    throw invalidRequest(
      `You can't delete secret ${secret.name} because it is already scheduled for deletion; restore it first or use ForceDeleteWithoutRecovery.`,
    );
  }
  const scheduled = store.resolve(secretId);
  scheduled.deletedAt = at;
  scheduled.deletionDate = at + (recoveryDays ?? 30) * DAY_MS;
  store.markChanged();
  return { ARN: scheduled.arn, Name: scheduled.name, DeletionDate: epochSeconds(scheduled.deletionDate) };
};

export const restoreSecret: Operation = (input, { store }) => {
  const secret = store.resolve(readSecretId(input), { allowDeleted: true });
  secret.deletedAt = undefined;
  secret.deletionDate = undefined;
  store.markChanged();
  return { ARN: secret.arn, Name: secret.name };
};
