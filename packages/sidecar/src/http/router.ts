/**
 * The agent's check order, exactly: (1) too many connections, 429; then, except for the probe routes (`/ping`,
 * and Latchkey's `/ready` and `/metrics`), (2) any forwarding header, 400 `Forwarded`, and (3) a missing or wrong
 * token, 403 `Bad Token`; (4) a method other than GET, 405; (5) an unknown path, 404; then the route's own
 * parameter checks (400), policy (403) and the cache.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HandlerContext } from './context.js';
import { Exchange } from './exchange.js';
import { handleBatch } from './handlers/batch.js';
import { handleGet } from './handlers/get.js';
import { handleMetrics } from './handlers/metrics.js';
import { handleReady } from './handlers/ready.js';
import { BadRequest, parseBatchQuery, parseSecretQuery, pathFormId } from './params.js';

/** `X-Forwarded-For` as the agent; `Forwarded` and `X-Real-IP` too, since a proxy may set either. */
const FORWARDING_HEADERS = new Set(['x-forwarded-for', 'forwarded', 'x-real-ip']);
/** `/ping` may use two connections past the limit, as in the agent, so health checks pass under load. */
const PING_EXTRA_CONNECTIONS = 2;

/** What scanHeaders answers when a forwarding header is present. */
const FORWARDED = Symbol('forwarded');
const NO_TOKENS: readonly string[] = [];

/** FORWARDED if a forwarding header is present, else the first value of each token header present. */
function scanHeaders(
  raw: readonly string[],
  tokenHeaders: ReadonlySet<string>,
  watchedLengths: ReadonlySet<number>,
): readonly string[] | typeof FORWARDED {
  let tokens: string[] | undefined;
  let names: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const rawName = raw[i] as string;
    // Most headers (Host, User-Agent…) cannot be one we look for: skip them without lower-casing a copy.
    if (!watchedLengths.has(rawName.length)) continue;
    const name = rawName.toLowerCase();
    if (FORWARDING_HEADERS.has(name)) return FORWARDED;
    if (!tokenHeaders.has(name)) continue;
    if (names === undefined || tokens === undefined) {
      names = [name];
      tokens = [raw[i + 1] as string];
    } else if (!names.includes(name)) {
      names.push(name);
      tokens.push(raw[i + 1] as string);
    }
  }
  return tokens ?? NO_TOKENS;
}

export function createRequestHandler(
  ctx: HandlerContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  const bootId = randomBytes(4).toString('hex');
  let sequence = 0;
  const watchedLengths = new Set([...FORWARDING_HEADERS, ...ctx.tokenHeaders].map((name) => name.length));
  return (req, res) => {
    const exchange = new Exchange(ctx, req, res, `${bootId}-${(++sequence).toString(36)}`);
    try {
      route(ctx, exchange, watchedLengths);
    } catch (error) {
      if (error instanceof BadRequest) exchange.text(400, error.message);
      else exchange.fail(error);
    }
  };
}

/** A plain-text refusal, as the agent words it. */
interface Refusal {
  readonly status: number;
  readonly text: string;
}

function route(ctx: HandlerContext, exchange: Exchange, watchedLengths: ReadonlySet<number>): void {
  const refusal = dispatch(ctx, exchange, watchedLengths);
  if (refusal !== undefined) exchange.text(refusal.status, refusal.text);
}

/** Runs the checks in order; returns the refusal, or undefined once a handler has taken the request. */
function dispatch(
  ctx: HandlerContext,
  exchange: Exchange,
  watchedLengths: ReadonlySet<number>,
): Refusal | undefined {
  const { req } = exchange;
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  const query = mark < 0 ? '' : url.slice(mark + 1);

  const probe =
    path === '/ping' ? 'ping' : path === '/ready' ? 'ready' : path === '/metrics' ? 'metrics' : undefined;
  if (probe !== undefined) exchange.route = probe;
  const limit = ctx.maxConn + (probe === 'ping' ? PING_EXTRA_CONNECTIONS : 0);
  if (ctx.connections.count > limit) return { status: 429, text: 'Connection limit exceeded' };

  if (probe !== undefined) {
    if (req.method !== 'GET') return { status: 405, text: 'Not allowed' };
    exchange.decision = 'allow';
    if (probe === 'ping') return { status: 200, text: 'healthy' };
    if (probe === 'ready') handleReady(exchange);
    else handleMetrics(exchange);
    return undefined;
  }

  const tokens = scanHeaders(req.rawHeaders, ctx.tokenHeaders, watchedLengths);
  if (tokens === FORWARDED) return { status: 400, text: 'Forwarded' };
  const client = tokens.length === 0 ? undefined : ctx.clients.identify(tokens);
  if (client === undefined) return { status: 403, text: 'Bad Token' };
  exchange.client = client;
  if (req.method !== 'GET') return { status: 405, text: 'Not allowed' };

  if (path === '/secretsmanager/get') {
    exchange.route = 'get';
    handleGet(exchange, parseSecretQuery(query, undefined));
  } else if (path === '/secretsmanager/batch') {
    exchange.route = 'batch';
    handleBatch(exchange, parseBatchQuery(query));
  } else if (path.startsWith(ctx.pathPrefix)) {
    exchange.route = 'path';
    handleGet(exchange, parseSecretQuery(query, pathFormId(path.slice(ctx.pathPrefix.length))));
  } else {
    return { status: 404, text: 'Not found' };
  }
  return undefined;
}
