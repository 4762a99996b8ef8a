/**
 * First, more headers than MAX_HEADERS: 431. Then the agent's check order, exactly: (1) too many connections, 429;
 * then, except for the probe routes (`/ping`, and Latchkey's `/ready` and `/metrics`), (2) any forwarding header,
 * 400 `Forwarded`, and (3) a missing or wrong token, 403 `Bad Token`; (4) a method other than GET, 405; (5) an
 * unknown path, 404; then the route's own parameter checks (400), policy (403) and the cache.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client } from '../auth/clients.js';
import type { RouteName } from '../metrics.js';
import type { HandlerContext } from './context.js';
import { type Answer, Exchange } from './exchange.js';
import { batchSubject, handleBatch } from './handlers/batch.js';
import { getSubject, handleGet } from './handlers/get.js';
import { handleMetrics } from './handlers/metrics.js';
import { handleParameter, parameterSubject } from './handlers/parameter.js';
import { handleReady } from './handlers/ready.js';
import { BadRequest, parseBatchQuery, parseParameterQuery, parseSecretQuery, pathFormId } from './params.js';
import { failedReply, type Reply, textReply } from './reply.js';

/** `X-Forwarded-For` as the agent; `Forwarded` and `X-Real-IP` too, since a proxy may set either. */
const FORWARDING_HEADERS = new Set(['x-forwarded-for', 'forwarded', 'x-real-ip']);
/** The Lambda extension's Parameter Store route; its clients call it with and without a trailing `/`. */
const PARAMETERS_PATH = '/systemsmanager/parameters/get';
const PARAMETERS_PATH_SLASH = `${PARAMETERS_PATH}/`;
/** More headers than this are refused (431), as hyper, under the agent, refuses them. The listeners record every
 * header (Node's own count limit would drop the rest unseen, a forwarding header among them); Node's 16 KiB header
 * size limit bounds how many there can be. */
export const MAX_HEADERS = 100;
/** `/ping` may use two connections past the limit, as in the agent, so health checks pass under load. */
const PING_EXTRA_CONNECTIONS = 2;

/** What scanHeaders answers when a forwarding header is present. */
const FORWARDED = Symbol('forwarded');

/** The lengths of the header names scanHeaders looks for. Most of a request's headers (Host, User-Agent, Accept)
 * have none of these lengths and are passed over without being lower-cased and looked up. */
function wantedLengths(tokenHeaders: ReadonlySet<string>): ReadonlySet<number> {
  return new Set([...FORWARDING_HEADERS, ...tokenHeaders].map((name) => name.length));
}

/** FORWARDED if a forwarding header is present, else the first value of each token header present. */
function scanHeaders(
  raw: readonly string[],
  tokenHeaders: ReadonlySet<string>,
  lengths: ReadonlySet<number>,
): readonly string[] | typeof FORWARDED {
  const names: string[] = [];
  const tokens: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const rawName = raw[i] as string;
    if (!lengths.has(rawName.length)) continue;
    const name = rawName.toLowerCase();
    if (FORWARDING_HEADERS.has(name)) return FORWARDED;
    if (tokenHeaders.has(name) && !names.includes(name)) {
      names.push(name);
      tokens.push(raw[i + 1] as string);
    }
  }
  return tokens;
}

function randomIdPrefix(): string {
  const random = process.getBuiltinModule('node:crypto').randomBytes(4).readUInt32BE(0);
  return `${(random % 36 ** 5).toString(36).padStart(5, '0')}-`;
}

export function createRequestHandler(
  ctx: HandlerContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  // Ids are this process's random prefix and the request's base-36 sequence number, `k3x9q-1f`. The prefix is drawn
  // at the first request: node:crypto is not loaded at start-up (see auth/token.ts).
  let idPrefix: string | undefined;
  let sequence = 0;
  const lengths = wantedLengths(ctx.tokenHeaders);
  return (req, res) => {
    ctx.connections.busy(req.socket);
    idPrefix ??= randomIdPrefix();
    const exchange = new Exchange(ctx, req, res, idPrefix + (++sequence).toString(36));
    let answer: Answer;
    try {
      answer = dispatch(ctx, req, lengths);
    } catch (error) {
      answer = { route: 'unknown', client: undefined, subject: undefined, reply: failedReply(error) };
    }
    exchange.answer(answer);
  };
}

/** A plain-text refusal, as the agent words it, before the route's own checks. */
function refusal(route: RouteName, client: Client | undefined, status: number, text: string): Answer {
  return { route, client, subject: undefined, reply: textReply(status, text) };
}

type Handler<Q> = (ctx: HandlerContext, client: Client, query: Q) => Reply | Promise<Reply>;

/** The handler's reply; an error it throws is a failure after the checks, like a rejected read. */
function handled<Q>(
  handle: Handler<Q>,
  ctx: HandlerContext,
  client: Client,
  query: Q,
): Reply | Promise<Reply> {
  try {
    return handle(ctx, client, query);
  } catch (error) {
    return failedReply(error);
  }
}

type SecretRoute = 'get' | 'path' | 'batch' | 'parameter';

/** The secret route whose path `url` has, if any. */
function secretRoute(path: string, prefix: string): SecretRoute | undefined {
  if (path === '/secretsmanager/get') return 'get';
  if (path === '/secretsmanager/batch') return 'batch';
  if (path === PARAMETERS_PATH || path === PARAMETERS_PATH_SLASH) return 'parameter';
  if (path.startsWith(prefix)) return 'path';
  return undefined;
}

/** The route's query parsed (a malformed one throws BadRequest), what the audit line records of it, and the reply. */
function routeAnswer(
  ctx: HandlerContext,
  route: SecretRoute,
  client: Client,
  path: string,
  query: string,
): Answer {
  switch (route) {
    case 'get':
    case 'path': {
      const pathId = route === 'path' ? pathFormId(path.slice(ctx.pathPrefix.length)) : undefined;
      const parsed = parseSecretQuery(query, pathId);
      const reply = handled(handleGet, ctx, client, parsed);
      return { route, client, subject: getSubject(parsed), reply };
    }
    case 'batch': {
      const parsed = parseBatchQuery(query);
      const reply = handled(handleBatch, ctx, client, parsed);
      return { route, client, subject: batchSubject(parsed), reply };
    }
    case 'parameter': {
      const parsed = parseParameterQuery(query);
      const reply = handled(handleParameter, ctx, client, parsed);
      return { route, client, subject: parameterSubject(parsed), reply };
    }
  }
}

/** Runs the checks in order, then the route's handler. */
function dispatch(ctx: HandlerContext, req: IncomingMessage, lengths: ReadonlySet<number>): Answer {
  if (req.rawHeaders.length > MAX_HEADERS * 2)
    return refusal('unknown', undefined, 431, 'Request Header Fields Too Large');
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  const query = mark < 0 ? '' : url.slice(mark + 1);

  const probe =
    path === '/ping' ? 'ping' : path === '/ready' ? 'ready' : path === '/metrics' ? 'metrics' : undefined;
  const limit = ctx.connections.maxConn + (probe === 'ping' ? PING_EXTRA_CONNECTIONS : 0);
  if (ctx.connections.count > limit)
    return refusal(probe ?? 'unknown', undefined, 429, 'Connection limit exceeded');

  if (probe !== undefined) {
    if (req.method !== 'GET') return refusal(probe, undefined, 405, 'Not allowed');
    const reply =
      probe === 'ping'
        ? textReply(200, 'healthy', 'allow')
        : probe === 'ready'
          ? handleReady(ctx)
          : handleMetrics(ctx);
    return { route: probe, client: undefined, subject: undefined, reply };
  }

  const tokens = scanHeaders(req.rawHeaders, ctx.tokenHeaders, lengths);
  if (tokens === FORWARDED) return refusal('unknown', undefined, 400, 'Forwarded');
  const client = tokens.length === 0 ? undefined : ctx.clients.identify(tokens);
  if (client === undefined) return refusal('unknown', undefined, 403, 'Bad Token');
  if (req.method !== 'GET') return refusal('unknown', client, 405, 'Not allowed');

  const route = secretRoute(path, ctx.pathPrefix);
  if (route === undefined) return refusal('unknown', client, 404, 'Not found');
  try {
    return routeAnswer(ctx, route, client, path, query);
  } catch (error) {
    if (error instanceof BadRequest) return refusal(route, client, 400, error.message);
    throw error;
  }
}
