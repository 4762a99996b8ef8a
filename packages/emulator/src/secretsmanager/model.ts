/** The stored state of Secrets Manager: plain data, so it serialises to the data file as is. */

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';
export const AWSPREVIOUS = 'AWSPREVIOUS';

export interface Tag {
  Key: string;
  Value: string;
}

export interface RotationRules {
  AutomaticallyAfterDays?: number;
  Duration?: string;
  ScheduleExpression?: string;
}

/** A secret value: exactly one of the two, as AWS stores it (binary kept base64-encoded). */
export type StoredValue = { secretString: string } | { secretBinary: string };

export interface SecretVersion {
  id: string;
  /** Absent for the empty AWSPENDING version RotateSecret creates before the rotation function fills it. */
  value?: StoredValue;
  stages: string[];
  createdAt: number;
  lastAccessedAt?: number;
  kmsKeyId?: string;
}

export interface Secret {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Tag[];
  createdAt: number;
  lastChangedAt: number;
  lastAccessedAt?: number;
  /** When DeleteSecret scheduled the deletion, and when the secret is gone for good. */
  deletedAt?: number;
  deletionDate?: number;
  /** Absent until rotation is first configured; false after CancelRotateSecret. */
  rotationEnabled?: boolean;
  rotationLambdaArn?: string;
  rotationRules?: RotationRules;
  lastRotatedAt?: number;
  nextRotationAt?: number;
  resourcePolicy?: string;
  /** Oldest first. */
  versions: SecretVersion[];
}

export function versionWithStage(secret: Secret, stage: string): SecretVersion | undefined {
  return secret.versions.find((version) => version.stages.includes(stage));
}

export function findVersion(secret: Secret, versionId: string): SecretVersion | undefined {
  return secret.versions.find((version) => version.id === versionId);
}

/** A rotation is in progress when AWSPENDING sits on a version other than the AWSCURRENT one (AWS's rule). */
export function pendingRotationVersion(secret: Secret): SecretVersion | undefined {
  const pending = versionWithStage(secret, AWSPENDING);
  return pending && !pending.stages.includes(AWSCURRENT) ? pending : undefined;
}

export function sameValue(a: StoredValue | undefined, b: StoredValue | undefined): boolean {
  if (!a || !b) return a === b;
  if ('secretString' in a) return 'secretString' in b && a.secretString === b.secretString;
  return 'secretBinary' in b && a.secretBinary === b.secretBinary;
}
