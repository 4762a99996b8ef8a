/**
 * Typed errors of the rotator. Each has a stable `code` (also its `name`); messages name the secret and the
 * key, user or step that was wrong, and never hold a password, a RotationToken or SQL text.
 */
export abstract class RotationError extends Error {
  abstract readonly code: string;
  readonly secretId: string | undefined;

  constructor(message: string, options: { secretId?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.secretId = options.secretId;
  }
}

/** The event is malformed: a missing field or an unknown step. */
export class InvalidEventError extends RotationError {
  readonly code = 'InvalidEventError';
}

/** The secret's version stages do not allow this step (rotation disabled, token unknown or not AWSPENDING). */
export class RotationStateError extends RotationError {
  readonly code = 'RotationStateError';
}

/** The secret JSON is not valid: the message names the missing or bad key. */
export class SecretFormatError extends RotationError {
  readonly code = 'SecretFormatError';
  readonly key: string | undefined;

  constructor(message: string, options: { secretId?: string; key?: string; cause?: unknown } = {}) {
    super(message, options);
    this.key = options.key;
  }
}

/** Two versions disagree where they must agree (username or host), so changing a password would be unsafe. */
export class CredentialMismatchError extends RotationError {
  readonly code = 'CredentialMismatchError';
}

/** No stored credentials could log in to the database. */
export class LoginError extends RotationError {
  readonly code = 'LoginError';
}

/** The pending credentials log in but do not have what the current user has. */
export class VerificationError extends RotationError {
  readonly code = 'VerificationError';
}

/**
 * A database statement failed. The message carries the statement's purpose and the driver's error code, never
 * the server's text, which may quote the statement (and so a password).
 */
export class DatabaseStatementError extends RotationError {
  readonly code = 'DatabaseStatementError';
  readonly action: string;
  readonly driverCode: string | undefined;

  /** No `cause`: the driver's error holds the SQL text. */
  constructor(action: string, driverCode: string | undefined) {
    super(`database statement '${action}' failed${driverCode ? ` (${driverCode})` : ''}`);
    this.action = action;
    this.driverCode = driverCode;
  }
}

/** A Secrets Manager call failed; `upstreamCode` is AWS's error name. */
export class SecretsManagerCallError extends RotationError {
  readonly code = 'SecretsManagerCallError';
  readonly upstreamCode: string | undefined;

  constructor(
    operation: string,
    upstreamCode: string | undefined,
    options: { secretId?: string; cause?: unknown } = {},
  ) {
    super(
      upstreamCode === 'ResourceNotFoundException'
        ? `secret ${options.secretId ?? '(none)'} was not found (${operation}: ResourceNotFoundException)`
        : `${operation} failed for secret ${options.secretId ?? '(none)'}${upstreamCode ? `: ${upstreamCode}` : ''}`,
      options,
    );
    this.upstreamCode = upstreamCode;
  }
}
