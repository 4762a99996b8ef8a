import {
  AccessDeniedError,
  DecryptionError,
  InvalidRequestError,
  SecretNotFoundError,
  SecretsError,
  type SecretsErrorDetails,
  ThrottledError,
  UpstreamUnavailableError,
} from '../errors.js';

const NOT_FOUND = new Set(['ResourceNotFoundException']);
const ACCESS_DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignature',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
  'MissingAuthenticationToken',
  'CredentialsProviderError',
]);
const DECRYPTION = new Set(['DecryptionFailure']);
const THROTTLED = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
]);
const SERVER = new Set([
  'InternalServiceError',
  'InternalFailure',
  'InternalServerError',
  'ServiceUnavailable',
]);
const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
/** What the AWS agent (and ours) answers with when Secrets Manager could not be reached. */
const NETWORK_NAMES = new Set(['ConnectionError']);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

/** The AWS service an error came from, as error messages name it. */
export interface UpstreamService {
  readonly name: string;
}

export const SECRETS_MANAGER: UpstreamService = { name: 'Secrets Manager' };
export const PARAMETER_STORE: UpstreamService = { name: 'SSM Parameter Store' };

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/**
 * Maps what the AWS SDK, an agent's error answer (`{"__type", "message"}` + status), or a lower layer threw to a
 * typed error. The upstream's message is kept as `upstreamMessage` and quoted in the message: AWS error messages
 * describe the request, never a secret value. `service` names the upstream in the messages this function writes.
 */
export function mapUpstreamError(
  error: unknown,
  secretId: string | undefined,
  service: UpstreamService = SECRETS_MANAGER,
): SecretsError {
  if (error instanceof SecretsError) return error;
  const raw = (typeof error === 'object' && error !== null ? error : {}) as AwsLikeError;
  const name = raw.name ?? 'Error';
  const upstreamMessage = raw.message ?? '';
  const httpStatus = raw.$metadata?.httpStatusCode;
  const subject = secretId === undefined ? '' : ` (secret '${secretId}')`;
  const details: SecretsErrorDetails = {
    secretId,
    upstreamCode: name,
    httpStatus,
    upstreamMessage,
    cause: error,
  };
  const message = `${upstreamMessage || name}${subject}`;

  // A response that did not parse: the parser's message (and the SDK's copy of it) quotes the body, which may hold
  // the secret, so neither the message nor the original error is kept.
  if (name === 'SyntaxError' || upstreamMessage.includes('Deserialization error')) {
    return new UpstreamUnavailableError(
      `${service.name} sent a response that could not be parsed${subject}`,
      'network',
      {
        secretId,
        httpStatus,
        upstreamCode: 'ConnectionError',
        upstreamMessage: 'Response Error',
      },
    );
  }

  // Checked first: the SDK names a reset connection `TimeoutError` (so that it retries it), with code ECONNRESET.
  if (NETWORK_NAMES.has(name) || (httpStatus === undefined && NETWORK_CODES.has(raw.code ?? ''))) {
    return new UpstreamUnavailableError(
      `${service.name} unreachable${subject}: ${upstreamMessage}`,
      'network',
      details,
    );
  }
  if (TIMEOUT_NAMES.has(name) || TIMEOUT_CODES.has(raw.code ?? '')) {
    return new UpstreamUnavailableError(
      `${service.name} timed out${subject}: ${upstreamMessage}`,
      'timeout',
      details,
    );
  }
  if (NOT_FOUND.has(name)) return new SecretNotFoundError(message, details);
  if (ACCESS_DENIED.has(name)) return new AccessDeniedError(message, details);
  if (DECRYPTION.has(name)) return new DecryptionError(message, details);
  if (THROTTLED.has(name) || httpStatus === 429) return new ThrottledError(message, details);
  if (SERVER.has(name) || raw.$fault === 'server' || (httpStatus !== undefined && httpStatus >= 500)) {
    return new UpstreamUnavailableError(message, 'server', details);
  }
  if (httpStatus !== undefined || raw.$fault === 'client') return new InvalidRequestError(message, details);
  // No answer from the service at all: a connection that failed in a way not listed above.
  return new UpstreamUnavailableError(
    `${service.name} unreachable${subject}: ${upstreamMessage || name}`,
    'network',
    details,
  );
}
