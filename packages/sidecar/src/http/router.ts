/**
 * First, more headers than MAX_HEADERS: 431. Then the agent's check order, exactly: (1) too many connections, 429;
 * then, except for the probe routes (`/ping`, and Latchkey's `/ready` and `/metrics`), (2) any forwarding header,
 * 400 `Forwarded`, and (3) a missing or wrong token, 403 `Bad Token`; (4) a method other than GET, 405; (5) an
 * unknown path, 404; then the route's own parameter checks (400), policy (403) and the cache.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HandlerContext } from './context.js';
import { Exchange } from './exchange.js';
import { handleBatch } from './handlers/batch.js';
import { handleGet } from './handlers/get.js';
import { handleMetrics } from './handlers/metrics.js';
import { handleParameter } from './handlers/parameter.js';
import { handleReady } from './handlers/ready.js';
import { BadRequest, parseBatchQuery, parseParameterQuery, parseSecretQuery, pathFormId } from './params.js';

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
const NO_TOKENS: readonly string[] = [];

/** A header the router looks for. */
interface WatchedHeader {
  /** Lower case. */
  readonly name: string;
  /** How clients usually spell it (`X-Vault-Token`): compared first, since comparing equal strings is cheaper than
   * lower-casing a copy. */
  readonly usualSpelling: string;
  readonly forwarding: boolean;
}

/** The forwarding and token headers, at the index of their names' length: most headers (Host, User-Agent…) are
 * skipped on their length alone. */
type WatchedHeaders = readonly (readonly WatchedHeader[] | undefined)[];

/** The watched header `raw` names, in any letter case. */
function watchedHeader(raw: string, watched: WatchedHeaders): WatchedHeader | undefined {
  const candidates = watched[raw.length];
  if (candidates === undefined) return undefined;
  for (const candidate of candidates) {
    if (raw === candidate.usualSpelling || raw === candidate.name) return candidate;
  }
  const lower = raw.toLowerCase();
  return candidates.find((candidate) => candidate.name === lower);
}

/** FORWARDED if a forwarding header is present, else the first value of each token header present. */
function scanHeaders(raw: readonly string[], watched: WatchedHeaders): readonly string[] | typeof FORWARDED {
  let tokens: string[] | undefined;
  let names: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const header = watchedHeader(raw[i] as string, watched);
    if (header === undefined) continue;
    if (header.forwarding) return FORWARDED;
    const name = header.name;
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

function watchedHeaders(tokenHeaders: ReadonlySet<string>): WatchedHeaders {
  const byLength: WatchedHeader[][] = [];
  for (const name of new Set([...FORWARDING_HEADERS, ...tokenHeaders])) {
    const usualSpelling = name.replace(
      /(^|-)([a-z])/g,
      (_, dash: string, letter: string) => dash + letter.toUpperCase(),
    );
    const header = { name, usualSpelling, forwarding: FORWARDING_HEADERS.has(name) };
    const sameLength = byLength[name.length];
    if (sameLength === undefined) byLength[name.length] = [header];
    else sameLength.push(header);
  }
  return byLength;
}

export function createRequestHandler(
  ctx: HandlerContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  // Ids are this process's random prefix and the request's base-36 sequence number, `k3x9q-1f`. Up to 12
  // characters (two billion requests) V8 makes the id a flat string rather than a concatenation, which Node's check
  // of the X-Request-Id header would otherwise flatten on every response.
  const idPrefix = `${(randomBytes(4).readUInt32BE(0) % 36 ** 5).toString(36).padStart(5, '0')}-`;
  let sequence = 0;
  const watched = watchedHeaders(ctx.tokenHeaders);
  return (req, res) => {
    ctx.connections.busy(req.socket);
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

function route(ctx: HandlerContext, exchange: Exchange, watched: WatchedHeaders): void {
  const refusal = dispatch(ctx, exchange, watched);
  if (refusal !== undefined) exchange.text(refusal.status, refusal.text);
}

/** Whether the path part of `url` (before `pathEnd`) begins with `prefix`. `lastIndexOf(prefix, 0)` looks at
 * position 0 only, like startsWith, which in Node 20's V8 costs about three times as much. */
function pathStartsWith(url: string, pathEnd: number, prefix: string): boolean {
  return pathEnd >= prefix.length && url.lastIndexOf(prefix, 0) === 0;
}

/** Whether the path part of `url` (before `pathEnd`) is `path`. */
function isPath(url: string, pathEnd: number, path: string): boolean {
  return pathEnd === path.length && pathStartsWith(url, pathEnd, path);
}

/** Runs the checks in order; returns the refusal, or undefined once a handler has taken the request. */
function dispatch(ctx: HandlerContext, exchange: Exchange, watched: WatchedHeaders): Refusal | undefined {
  const { req } = exchange;
  if (req.rawHeaders.length > MAX_HEADERS * 2)
    return { status: 431, text: 'Request Header Fields Too Large' };
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  // The path (before `?`) is compared in place, not sliced off: no string is made for it.
  const pathEnd = mark < 0 ? url.length : mark;
  const query = mark < 0 ? '' : url.slice(mark + 1);

  const probe = isPath(url, pathEnd, '/ping')
    ? 'ping'
    : isPath(url, pathEnd, '/ready')
      ? 'ready'
      : isPath(url, pathEnd, '/metrics')
        ? 'metrics'
        : undefined;
  if (probe !== undefined) exchange.route = probe;
  const limit = ctx.connections.maxConn + (probe === 'ping' ? PING_EXTRA_CONNECTIONS : 0);
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

  const prefix = ctx.pathPrefix;
  if (isPath(url, pathEnd, '/secretsmanager/get')) {
    exchange.route = 'get';
    handleGet(exchange, parseSecretQuery(query, undefined));
  } else if (isPath(url, pathEnd, '/secretsmanager/batch')) {
    exchange.route = 'batch';
    handleBatch(exchange, parseBatchQuery(query));
  } else if (isPath(url, pathEnd, PARAMETERS_PATH) || isPath(url, pathEnd, PARAMETERS_PATH_SLASH)) {
    exchange.route = 'parameter';
    handleParameter(exchange, parseParameterQuery(query));
  } else if (pathStartsWith(url, pathEnd, prefix)) {
    exchange.route = 'path';
    handleGet(exchange, parseSecretQuery(query, pathFormId(url.slice(prefix.length, pathEnd))));
  } else {
    return { status: 404, text: 'Not found' };
  }
  return undefined;
}
