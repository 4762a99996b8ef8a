import { randomUUID } from 'node:crypto';
import { invalidRequest, resourceExists } from '../errors.js';
import type { Operation, SecretsManagerContext } from './context.js';
import { readSecretId, readToken } from './fields.js';
import { AWSPENDING, findVersion, pendingRotationVersion, type RotationRules, type Secret } from './model.js';
import { nextRotation, validateRotationRules } from './schedule.js';
import { attachStage, pruneDeprecatedVersions } from './stages.js';

/**
 * RotateSecret, CancelRotateSecret, and the scheduler's due rotations. The steps themselves run in the emulator's
 * RotationRunner.
 */

export const ROTATION_IN_PROGRESS = "A previous rotation isn't complete. That rotation will be reattempted.";

function readRotationRules(input: Parameters<Operation>[0]): RotationRules | undefined {
  const rules = input.structure('RotationRules');
  if (!rules) return undefined;
  const parsed: RotationRules = {
    AutomaticallyAfterDays: rules.integer('AutomaticallyAfterDays', { min: 1, max: 1000 }),
    Duration: rules.string('Duration', { min: 2, max: 3 }),
    ScheduleExpression: rules.string('ScheduleExpression', { min: 1, max: 256 }),
  };
  for (const key of Object.keys(parsed) as (keyof RotationRules)[]) {
    if (parsed[key] === undefined) delete parsed[key];
  }
  validateRotationRules(parsed);
  return parsed;
}

/**
 * Records the rotation configuration and, unless RotateImmediately is false, creates the empty AWSPENDING version
 * named by ClientRequestToken and starts the four steps. It answers as soon as the rotation has started, as AWS
 * does; the steps run afterwards. A token naming the version of an unfinished rotation retries that rotation.
 */
export const rotateSecret: Operation = (input, context) => {
  const { store, now, rotation } = context;
  const secret = store.resolve(readSecretId(input));
  const token = readToken(input) ?? randomUUID();
  const lambdaArn = input.string('RotationLambdaARN', { min: 0, max: 2048 }) || secret.rotationLambdaArn;
  const rules = readRotationRules(input) ?? secret.rotationRules;
  const immediately = input.boolean('RotateImmediately') ?? true;
  if (!lambdaArn)
    throw invalidRequest(`No Lambda rotation function ARN is associated with secret ${secret.name}.`);
  if (!rotation.hasFunction(lambdaArn)) {
    throw invalidRequest(
      `Secrets Manager cannot invoke the specified Lambda function ${lambdaArn}. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.`,
    );
  }
  const inProgress = pendingRotationVersion(secret);
  if (rotation.isRunning(secret.arn) || (immediately && inProgress && inProgress.id !== token)) {
    throw invalidRequest(ROTATION_IN_PROGRESS);
  }
  // Every check comes before the first change, so a refused request leaves the secret as it was.
  if (immediately && !inProgress && findVersion(secret, token)) {
    throw resourceExists(
      `Version ${token} of secret ${secret.name} already exists; use a new ClientRequestToken.`,
    );
  }
  const at = now();
  secret.rotationEnabled = true;
  secret.rotationLambdaArn = lambdaArn;
  secret.rotationRules = rules;
  secret.nextRotationAt = nextRotation(rules, secret.lastRotatedAt ?? at);
  secret.lastChangedAt = at;
  store.markChanged();
  if (!immediately) return { ARN: secret.arn, Name: secret.name };

  beginRotation(context, secret, lambdaArn, inProgress ? undefined : token);
  return { ARN: secret.arn, Name: secret.name, VersionId: token };
};

/**
 * Starts the steps: for a new rotation (a `newVersionId`), after creating its empty AWSPENDING version; without
 * one, again for the unfinished rotation's pending version (the service's retry).
 */
function beginRotation(
  { store, now, rotation }: SecretsManagerContext,
  secret: Secret,
  lambdaArn: string,
  newVersionId: string | undefined,
): void {
  let versionId = pendingRotationVersion(secret)?.id;
  if (newVersionId !== undefined) {
    const version = { id: newVersionId, stages: [] as string[], createdAt: now() };
    secret.versions.push(version);
    attachStage(secret, AWSPENDING, version);
    pruneDeprecatedVersions(secret);
    store.markChanged();
    versionId = newVersionId;
  }
  rotation.start(secret.arn, lambdaArn, versionId!);
}

/**
 * What the service's scheduler does when a secret's NextRotationDate has passed: rotate it with a new token, or
 * retry its unfinished rotation with the same token ("That rotation will be reattempted"). The emulator has no
 * background scheduler; tests call this (with the `now` option to move time). Returns the ARNs it started.
 */
export function rotateDueSecrets(context: SecretsManagerContext): string[] {
  const { store, now, rotation } = context;
  const due = store
    .all()
    .filter(
      (secret) =>
        secret.rotationEnabled &&
        secret.deletedAt === undefined &&
        secret.nextRotationAt !== undefined &&
        secret.nextRotationAt <= now() &&
        secret.rotationLambdaArn !== undefined &&
        rotation.hasFunction(secret.rotationLambdaArn) &&
        !rotation.isRunning(secret.arn),
    );
  for (const secret of due) {
    beginRotation(
      context,
      secret,
      secret.rotationLambdaArn!,
      pendingRotationVersion(secret) ? undefined : randomUUID(),
    );
  }
  return due.map((secret) => secret.arn);
}

/**
 * Turns rotation off and stops a rotation in progress before its next step. Like AWS it leaves an unfinished
 * AWSPENDING version where it is and returns its id, so the caller can remove the label.
 */
export const cancelRotateSecret: Operation = (input, { store, now, rotation }) => {
  const secret = store.resolve(readSecretId(input));
  rotation.cancel(secret.arn);
  secret.rotationEnabled = false;
  secret.nextRotationAt = undefined;
  secret.lastChangedAt = now();
  store.markChanged();
  return { ARN: secret.arn, Name: secret.name, VersionId: pendingRotationVersion(secret)?.id };
};
