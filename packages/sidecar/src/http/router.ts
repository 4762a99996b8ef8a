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

/** The forwarding and token header names (lower case), by length: most headers (Host, User-Agent…) are skipped
 * on their length alone. */
type WatchedNames = ReadonlyMap<number, readonly string[]>;

/** The watched name `raw` is in some letter case, found without making a lower-cased copy. */
function watchedName(raw: string, watched: WatchedNames): string | undefined {
  const candidates = watched.get(raw.length);
  if (candidates === undefined) return undefined;
  next: for (const candidate of candidates) {
    for (let i = 0; i < raw.length; i++) {
      let code = raw.charCodeAt(i);
      if (code >= 0x41 && code <= 0x5a) code += 0x20;
      if (code !== candidate.charCodeAt(i)) continue next;
    }
    return candidate;
  }
  return undefined;
}

/** FORWARDED if a forwarding header is present, else the first value of each token header present. */
function scanHeaders(raw: readonly string[], watched: WatchedNames): readonly string[] | typeof FORWARDED {
  let tokens: string[] | undefined;
  let names: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = watchedName(raw[i] as string, watched);
    if (name === undefined) continue;
    if (FORWARDING_HEADERS.has(name)) return FORWARDED;
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

function watchedNames(tokenHeaders: ReadonlySet<string>): WatchedNames {
  const byLength = new Map<number, string[]>();
  for (const name of new Set([...FORWARDING_HEADERS, ...tokenHeaders])) {
    const sameLength = byLength.get(name.length);
    if (sameLength === undefined) byLength.set(name.length, [name]);
    else sameLength.push(name);
  }
  return byLength;
}

export function createRequestHandler(
  ctx: HandlerContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  const idPrefix = `${randomBytes(4).toString('hex')}-`;
  let sequence = 0;
  const watched = watchedNames(ctx.tokenHeaders);
  return (req, res) => {
    const exchange = new Exchange(ctx, req, res, idPrefix + (++sequence).toString(36));
    try {
      route(ctx, exchange, watched);
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

function route(ctx: HandlerContext, exchange: Exchange, watched: WatchedNames): void {
  const refusal = dispatch(ctx, exchange, watched);
  if (refusal !== undefined) exchange.text(refusal.status, refusal.text);
}

/** Runs the checks in order; returns the refusal, or undefined once a handler has taken the request. */
function dispatch(ctx: HandlerContext, exchange: Exchange, watched: WatchedNames): Refusal | undefined {
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

  const tokens = scanHeaders(req.rawHeaders, watched);
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
