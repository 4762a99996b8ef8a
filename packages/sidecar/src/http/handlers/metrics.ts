/** `GET /metrics` (Latchkey only): Prometheus text format from the shared registry. */
import type { HandlerContext } from '../context.js';
import type { Reply } from '../reply.js';

export async function handleMetrics(ctx: HandlerContext): Promise<Reply> {
  const { registry } = ctx.metrics;
  return {
    status: 200,
    contentType: registry.contentType,
    body: await registry.metrics(),
    decision: 'allow',
  };
}
