/**
 * Typed errors of the SDK. Every error names the secret id and keeps the upstream error as `cause`; none ever
 * holds a secret value. `upstreamCode` and `httpStatus` carry what Secrets Manager answered (the sidecar passes
 * them through as `{"__type", "message"}` with that status, as the AWS agent does).
 */
export interface SecretsErrorDetails {
  readonly secretId?: string;
  /** The AWS error name, e.g. `ResourceNotFoundException`. */
  readonly upstreamCode?: string;
  /** The HTTP status of the upstream answer, when there was one. */
  readonly httpStatus?: number;
  /** The upstream's own message (AWS messages never contain secret values); the sidecar passes it through. */
  readonly upstreamMessage?: string;
  readonly cause?: unknown;
}

export abstract class SecretsError extends Error {
  /** Stable machine-readable code; also the class name. */
  abstract readonly code: string;
  /** True when retrying later may succeed (timeouts, 5xx, throttling, network); drives stale-if-error and backoff. */
  abstract readonly transient: boolean;
  readonly secretId: string | undefined;
  readonly upstreamCode: string | undefined;
  readonly httpStatus: number | undefined;
  readonly upstreamMessage: string | undefined;

  constructor(message: string, details: SecretsErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.secretId = details.secretId;
    this.upstreamCode = details.upstreamCode;
    this.httpStatus = details.httpStatus;
    this.upstreamMessage = details.upstreamMessage;
  }
}

export class SecretNotFoundError extends SecretsError {
  readonly code = 'SecretNotFoundError';
  readonly transient = false;
}

export class AccessDeniedError extends SecretsError {
  readonly code = 'AccessDeniedError';
  readonly transient = false;
}

export class DecryptionError extends SecretsError {
  readonly code = 'DecryptionError';
  readonly transient = false;
}

/** The request itself was refused (bad parameters, a version that has no value, a secret marked for deletion). */
export class InvalidRequestError extends SecretsError {
  readonly code = 'InvalidRequestError';
  readonly transient = false;
}

export class ThrottledError extends SecretsError {
  readonly code = 'ThrottledError';
  readonly transient = true;
}

/** The upstream could not be reached or failed: `timeout` (the sidecar answers 504), `network` (502), `server` (5xx). */
export class UpstreamUnavailableError extends SecretsError {
  readonly code = 'UpstreamUnavailableError';
  readonly transient = true;
  readonly reason: 'timeout' | 'network' | 'server';

  constructor(message: string, reason: 'timeout' | 'network' | 'server', details: SecretsErrorDetails = {}) {
    super(message, details);
    this.reason = reason;
  }
}

/** `getString` on a binary secret, or `getBinary` on a string secret. */
export class WrongSecretTypeError extends SecretsError {
  readonly code = 'WrongSecretTypeError';
  readonly transient = false;
}

/** The secret is not valid JSON, fails validation, or lacks the requested field. The message never quotes the value. */
export class InvalidJsonError extends SecretsError {
  readonly code = 'InvalidJsonError';
  readonly transient = false;
}

/** A secret reference (`id`, `id#key`, or the ECS `valueFrom` ARN form) that cannot be parsed. */
export class InvalidReferenceError extends SecretsError {
  readonly code = 'InvalidReferenceError';
  readonly transient = false;
}

/** Whether retrying later may succeed. Anything that is not a `SecretsError` (a custom source's own error, a lower
 * layer's) counts as a transient upstream failure, as the cache treats it. */
export function isTransient(error: unknown): boolean {
  return !(error instanceof SecretsError) || error.transient;
}
