/** What a handler answers: the response, and how the request ended, as its audit line records it. */
import type { CacheStatus } from '@latchkey/sdk';
import type { AuditRecord } from '../audit/audit-line.js';
import { type Denial, denialMessage } from '../auth/authorize.js';
import type { Client } from '../auth/clients.js';
import { classifyError, errorBody } from './bodies/error-body.js';
import type { RenderedBody } from './bodies/secret-body.js';

export interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** The body's length in bytes, when it was measured beforehand (a kept body); else the body is measured. */
  readonly contentLength?: string;
  /** How the cache served the body: the `X-Cache` header and the audit line's `cache`. */
  readonly cache?: CacheStatus;
  readonly decision: AuditRecord['decision'];
  /** The JSON error's `__type`. */
  readonly error?: string;
  /** The unexpected error behind a 500, for the error log. */
  readonly cause?: unknown;
}

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';

/** A plain-text answer as the agent words it: a refusal before the route's checks (`reject`), or a probe's. */
export function textReply(status: number, text: string, decision: Reply['decision'] = 'reject'): Reply {
  return { status, contentType: TEXT, body: text, decision };
}

/** A served request. */
export function jsonReply(
  status: number,
  body: string,
  cache?: CacheStatus,
  decision: Reply['decision'] = 'allow',
): Reply {
  return { status, contentType: JSON_TYPE, body, cache, decision };
}

/** A secret served with its rendered body. */
export function renderedReply(rendered: RenderedBody, cache: CacheStatus): Reply {
  return {
    status: 200,
    contentType: JSON_TYPE,
    body: rendered.text,
    contentLength: rendered.contentLength,
    cache,
    decision: 'allow',
  };
}

/** An error in the agent's JSON shape, `{"__type", "message"}`. */
export function errorJsonReply(
  status: number,
  type: string,
  message: string | undefined,
  decision: Reply['decision'],
): Reply {
  return { status, contentType: JSON_TYPE, body: errorBody(type, message), decision, error: type };
}

/** A policy refusal: 403 AccessDeniedException. */
export function deniedReply(client: Client, denial: Denial): Reply {
  return errorJsonReply(403, 'AccessDeniedException', denialMessage(client, denial), 'deny');
}

/** An upstream or internal error of a request that passed the checks. */
export function failedReply(error: unknown): Reply {
  const shape = classifyError(error);
  const reply = errorJsonReply(shape.status, shape.type, shape.message, 'allow');
  return shape.status === 500 ? { ...reply, cause: error } : reply;
}
