import { InvalidEventError } from '../errors.js';

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** What Secrets Manager sends the rotation function, once per step. */
export interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: RotationStep;
  /** For cross-account or assumed-role rotation; passed to PutSecretValue, never logged. */
  readonly RotationToken?: string;
}

export function isRotationStep(value: unknown): value is RotationStep {
  return typeof value === 'string' && (ROTATION_STEPS as readonly string[]).includes(value);
}

function requiredField(event: Record<string, unknown>, key: string): string {
  const value = event[key];
  if (typeof value !== 'string' || value === '') {
    throw new InvalidEventError(`rotation event: missing or empty '${key}'`);
  }
  return value;
}

export function parseRotationEvent(input: unknown): RotationEvent {
  if (typeof input !== 'object' || input === null)
    throw new InvalidEventError('rotation event is not an object');
  const event = input as Record<string, unknown>;
  const SecretId = requiredField(event, 'SecretId');
  const ClientRequestToken = requiredField(event, 'ClientRequestToken');
  const Step = requiredField(event, 'Step');
  if (!isRotationStep(Step)) {
    throw new InvalidEventError(`invalid step parameter '${Step}' for secret ${SecretId}`, {
      secretId: SecretId,
    });
  }
  const rotationToken = event.RotationToken;
  if (rotationToken !== undefined && rotationToken !== null && typeof rotationToken !== 'string') {
    throw new InvalidEventError(`rotation event: 'RotationToken' must be a string`, { secretId: SecretId });
  }
  return typeof rotationToken === 'string' && rotationToken !== ''
    ? { SecretId, ClientRequestToken, Step, RotationToken: rotationToken }
    : { SecretId, ClientRequestToken, Step };
}
