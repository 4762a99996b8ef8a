/**
 * An error answered to the client in AWS's shape: JSON 1.1 `{"__type", "message"}` for Secrets Manager,
 * an `<ErrorResponse>` document for STS. `type` is the AWS error code the SDKs map to exception classes.
 */
export class AwsError extends Error {
  override readonly name = 'AwsError';
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const resourceNotFound = (message: string) => new AwsError('ResourceNotFoundException', message);
export const invalidRequest = (message: string) => new AwsError('InvalidRequestException', message);
export const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);
export const resourceExists = (message: string) => new AwsError('ResourceExistsException', message);
export const limitExceeded = (message: string) => new AwsError('LimitExceededException', message);
export const invalidNextToken = (message: string) => new AwsError('InvalidNextTokenException', message);
/** Constraint violations of the API model (lengths, ranges, required members), worded as AWS words them. */
export const validation = (message: string) =>
  new AwsError('ValidationException', `1 validation error detected: ${message}`);
/** The body is not JSON, or a member has the wrong JSON type. */
export const serialization = (message: string) => new AwsError('SerializationException', message);

/** Raised when the data file exists but cannot be read as emulator state; the emulator refuses to start. */
export class DataFileError extends Error {
  override readonly name = 'DataFileError';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(
      `Latchkey emulator data file ${path} is unusable: ${reason}. Fix or move it; the emulator will not start empty over it.`,
    );
  }
}
