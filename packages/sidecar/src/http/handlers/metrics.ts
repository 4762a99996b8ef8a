/** `GET /metrics` (Latchkey only): Prometheus text format from the shared registry. */
import type { Exchange } from '../exchange.js';

export function handleMetrics(exchange: Exchange): void {
  const { registry } = exchange.ctx.metrics;
  registry.metrics().then(
    (text) => exchange.send(200, registry.contentType, Buffer.from(text, 'utf8')),
    (error: unknown) => exchange.fail(error),
  );
}
