/** One request and its answer: the reply sent, then the metric, the audit line and the debug log line. The audit
 * record is put together here from the route's subject and the handler's reply; neither can hold a value. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AuditSubject, auditTime } from '../audit/audit-line.js';
import type { Client } from '../auth/clients.js';
import { DEBUG_LEVEL } from '../logger.js';
import type { RouteName } from '../metrics.js';
import type { HandlerContext } from './context.js';
import { failedReply, type Reply } from './reply.js';

/** How a request is answered: its route, its client once identified, what it asked for once its query is read, and
 * the reply (a promise while the upstream is read; a rejection is a failure after the checks). */
export interface Answer {
  readonly route: RouteName;
  readonly client: Client | undefined;
  readonly subject: AuditSubject | undefined;
  readonly reply: Reply | Promise<Reply>;
}

export class Exchange {
  readonly ctx: HandlerContext;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly id: string;
  readonly started: number;

  constructor(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, id: string) {
    this.ctx = ctx;
    this.req = req;
    this.res = res;
    this.id = id;
    this.started = performance.now();
  }

  answer(answer: Answer): void {
    const { reply } = answer;
    if (!(reply instanceof Promise)) {
      this.send(answer, reply);
      return;
    }
    reply.then(
      (settled) => this.send(answer, settled),
      (error: unknown) => this.send(answer, failedReply(error)),
    );
  }

  /** Bodies are strings: Node writes a string body and the header block in one write, with no Buffer made. */
  private send(answer: Answer, reply: Reply): void {
    if (reply.cause !== undefined)
      this.ctx.logger.error({ err: reply.cause, reqId: this.id }, 'request failed');
    const res = this.res;
    if (res.headersSent || res.destroyed) {
      this.finish(answer, reply);
      return;
    }
    if (this.ctx.closing) res.shouldKeepAlive = false;
    const { cache, body } = reply;
    const headers: Record<string, string> = {
      'content-type': reply.contentType,
      'content-length': reply.contentLength ?? String(Buffer.byteLength(body)),
      'cache-control': 'no-store',
      'x-request-id': this.id,
    };
    if (cache !== undefined) headers['x-cache'] = cache;
    res.writeHead(reply.status, headers);
    res.end(body);
    this.ctx.connections.idle(this.req.socket);
    this.finish(answer, reply);
  }

  private finish({ route, client, subject }: Answer, { status, decision, cache, error }: Reply): void {
    const ctx = this.ctx;
    const now = performance.now();
    const seconds = (now - this.started) / 1000;
    ctx.metrics.request(route, status);
    const probe = route === 'ping' || route === 'ready' || route === 'metrics';
    if (ctx.audit !== undefined && !probe) {
      ctx.audit.write({
        time: auditTime(),
        request_id: this.id,
        client: client?.name ?? null,
        route,
        method: this.req.method ?? '',
        secret_id: subject?.secret_id,
        parameter: subject?.parameter,
        version: subject?.version,
        label: subject?.label,
        version_stage: subject?.version_stage,
        version_id: subject?.version_id,
        role_arn: subject?.role_arn,
        decision,
        status,
        cache,
        error,
        latency_ms: Math.round(seconds * 1e6) / 1000,
      });
    }
    if (ctx.logger.levelVal <= DEBUG_LEVEL) {
      ctx.logger.debug(
        {
          reqId: this.id,
          route,
          status,
          client: client?.name,
          secretId: subject?.secret_id,
          cache,
          ms: seconds * 1000,
        },
        'request',
      );
    }
  }
}
