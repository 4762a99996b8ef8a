/**
 * Errors as the agent reports them: `{"__type": <code>, "message": <text>}` with the upstream HTTP status for
 * service errors (Secrets Manager answers 400 for not found, access denied and throttling), 504 `TimeoutError`,
 * 502 `ConnectionError`, and 500 `{"__type":"InternalFailure"}` for anything else. Unlike the agent's, the body is
 * always valid JSON. Messages come from the typed SDK errors, which never hold a secret value.
 */
import { SecretsError, UpstreamUnavailableError } from '@latchkey/sdk';

/** What an error becomes: the HTTP status and the `__type` / `message` pair. */
export interface ErrorShape {
  readonly status: number;
  readonly type: string;
  readonly message?: string;
}

/** `{"__type": <type>, "message": <message>}`, without the message when there is none. */
export function errorBody(type: string, message: string | undefined): string {
  return JSON.stringify(
    message === undefined || message === '' ? { __type: type } : { __type: type, message },
  );
}

/** The upstream's own message (what the agent passes through), else the SDK's message. */
function upstreamMessage(error: SecretsError): string {
  return (error as { upstreamMessage?: string }).upstreamMessage ?? error.message;
}

export function classifyError(error: unknown): ErrorShape {
  if (error instanceof UpstreamUnavailableError) {
    if (error.reason === 'timeout') return { status: 504, type: 'TimeoutError', message: 'Timeout' };
    if (error.reason === 'network') return { status: 502, type: 'ConnectionError', message: 'Read Error' };
  }
  if (
    error instanceof SecretsError &&
    error.upstreamCode &&
    error.httpStatus &&
    error.upstreamCode !== 'InternalFailure'
  ) {
    return { status: error.httpStatus, type: error.upstreamCode, message: upstreamMessage(error) };
  }
  return { status: 500, type: 'InternalFailure' };
}
