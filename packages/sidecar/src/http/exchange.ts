/** One request and its answer: the reply helpers, and on completion the metric, the audit line and the debug
 * log line. The audit record is assembled here from fields the handlers set; none of them can hold a value. */
import type { IncomingMessage, ServerResponse } from 'node:http';
// Imported: the global `performance` is an accessor, a getter call on every use.
import { performance } from 'node:perf_hooks';
import { type AuditRecord, auditTime } from '../audit/audit-line.js';
import { type Denial, denialMessage } from '../auth/authorize.js';
import type { Client } from '../auth/clients.js';
import { DEBUG_LEVEL } from '../logger.js';
import type { RouteName } from '../metrics.js';
import { type ErrorReply, errorReply, jsonError } from './bodies/error-body.js';
import type { HandlerContext } from './context.js';

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';

export class Exchange {
  readonly ctx: HandlerContext;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly id: string;
  readonly started: number;
  route: RouteName = 'unknown';
  client: Client | undefined;
  secretId: string | readonly string[] | undefined;
  /** The Parameter Store route's parameter name, and its selector. */
  parameter: string | undefined;
  parameterVersion: string | undefined;
  parameterLabel: string | undefined;
  versionStage: string | undefined;
  versionId: string | undefined;
  roleArn: string | undefined;
  decision: AuditRecord['decision'] = 'reject';
  cache: AuditRecord['cache'];
  errorType: string | undefined;

  constructor(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, id: string) {
    this.ctx = ctx;
    this.req = req;
    this.res = res;
    this.id = id;
    this.started = performance.now();
  }

  text(status: number, body: string): void {
    this.send(status, TEXT, body);
  }

  json(status: number, body: string, cache?: AuditRecord['cache']): void {
    this.cache = cache;
    this.send(status, JSON_TYPE, body, cache);
  }

  /** An upstream or internal error, in the agent's JSON error shape. */
  fail(error: unknown): void {
    const reply = errorReply(error);
    if (reply.status === 500) this.ctx.logger.error({ err: error, reqId: this.id }, 'request failed');
    this.errorReply(reply);
  }

  errorReply(reply: ErrorReply): void {
    this.errorType = reply.type;
    this.send(reply.status, JSON_TYPE, reply.body);
  }

  /** A policy refusal: 403 AccessDeniedException. */
  deny(client: Client, denial: Denial): void {
    this.decision = 'deny';
    this.errorReply(jsonError(403, 'AccessDeniedException', denialMessage(client, denial)));
  }

  /** Bodies are strings: Node writes a string body and the header block in one write, with no Buffer made. */
  send(status: number, type: string, body: string, cache?: string): void {
    const res = this.res;
    if (res.headersSent || res.destroyed) {
      this.finish(status);
      return;
    }
    if (this.ctx.closing) res.shouldKeepAlive = false;
    // The flat-array form lets Node write the header block directly, without building a header map. Without a cache
    // result the last pair is cut off, in place (a push onto a shorter literal would copy the array).
    const headers = [
      'content-type',
      type,
      'content-length',
      String(Buffer.byteLength(body)),
      'cache-control',
      'no-store',
      'x-request-id',
      this.id,
      'x-cache',
      cache ?? '',
    ];
    if (cache === undefined) headers.length = 8;
    res.writeHead(status, headers);
    res.end(body);
    this.ctx.connections.idle(this.req.socket);
    this.finish(status);
  }

  private finish(status: number): void {
    const ctx = this.ctx;
    const now = performance.now();
    const seconds = (now - this.started) / 1000;
    ctx.metrics.request(this.route, status);
    const probe = this.route === 'ping' || this.route === 'ready' || this.route === 'metrics';
    if (ctx.audit !== undefined && !probe) {
      ctx.audit.write({
        time: auditTime(now),
        request_id: this.id,
        client: this.client?.name ?? null,
        route: this.route,
        method: this.req.method ?? '',
        secret_id: this.secretId,
        parameter: this.parameter,
        version: this.parameterVersion,
        label: this.parameterLabel,
        version_stage: this.versionStage,
        version_id: this.versionId,
        role_arn: this.roleArn,
        decision: this.decision,
        status,
        cache: this.cache,
        error: this.errorType,
        latency_ms: Math.round(seconds * 1e6) / 1000,
      });
    }
    if (ctx.logger.levelVal <= DEBUG_LEVEL) {
      ctx.logger.debug(
        {
          reqId: this.id,
          route: this.route,
          status,
          client: this.client?.name,
          secretId: this.secretId,
          cache: this.cache,
          ms: seconds * 1000,
        },
        'request',
      );
    }
  }
}
