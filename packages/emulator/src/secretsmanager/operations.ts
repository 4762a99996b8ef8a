import { batchGetSecretValue } from './batch.js';
import type { Operation } from './context.js';
import { listSecrets } from './list.js';
import {
  deleteResourcePolicy,
  getResourcePolicy,
  putResourcePolicy,
  tagResource,
  untagResource,
  validateResourcePolicy,
} from './policies-tags.js';
import { getRandomPassword } from './random-password.js';
import { cancelRotateSecret, rotateSecret } from './rotation.js';
import { createSecret, deleteSecret, describeSecret, restoreSecret, updateSecret } from './secrets.js';
import {
  getSecretValue,
  listSecretVersionIds,
  putSecretValue,
  updateSecretVersionStage,
} from './versions.js';

/** Every Secrets Manager operation the emulator answers, by its X-Amz-Target name. */
export const secretsManagerOperations: Readonly<Record<string, Operation>> = {
  BatchGetSecretValue: batchGetSecretValue,
  CancelRotateSecret: cancelRotateSecret,
  CreateSecret: createSecret,
  DeleteResourcePolicy: deleteResourcePolicy,
  DeleteSecret: deleteSecret,
  DescribeSecret: describeSecret,
  GetRandomPassword: getRandomPassword,
  GetResourcePolicy: getResourcePolicy,
  GetSecretValue: getSecretValue,
  ListSecretVersionIds: listSecretVersionIds,
  ListSecrets: listSecrets,
  PutResourcePolicy: putResourcePolicy,
  PutSecretValue: putSecretValue,
  RestoreSecret: restoreSecret,
  RotateSecret: rotateSecret,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateSecret: updateSecret,
  UpdateSecretVersionStage: updateSecretVersionStage,
  ValidateResourcePolicy: validateResourcePolicy,
};

/** In AWS's API but outside what a single-region emulator can mean; answered with a clear error. */
export const unsupportedOperations = [
  'ReplicateSecretToRegions',
  'RemoveRegionsFromReplication',
  'StopReplicationToReplica',
];
