/** `GET /ready` (Latchkey only): 503 until the prefetch list is loaded (and while shutting down), then 200. */
import type { HandlerContext } from '../context.js';
import { jsonReply, type Reply } from '../reply.js';

export function handleReady(ctx: HandlerContext): Reply {
  const { ready, detail } = ctx.readiness();
  const body = { status: ready ? 'ready' : ctx.closing ? 'stopping' : 'starting', ...detail };
  return jsonReply(ready ? 200 : 503, JSON.stringify(body));
}
