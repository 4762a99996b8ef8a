/** `GET /metrics` (Latchkey only): Prometheus text format from the shared registry. */
import type { Exchange } from '../exchange.js';

export function handleMetrics(exchange: Exchange): void {
  const { registry } = exchange.ctx.metrics;
  registry.metrics().then(
    (text) => exchange.send(200, registry.contentType, text),
    (error: unknown) => exchange.fail(error),
  );
}
