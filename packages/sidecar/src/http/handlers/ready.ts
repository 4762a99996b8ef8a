/** `GET /ready` (Latchkey only): 503 until the prefetch list is loaded (and while shutting down), then 200. */
import type { Exchange } from '../exchange.js';

export function handleReady(exchange: Exchange): void {
  const { ready, detail } = exchange.ctx.readiness();
  const body = { status: ready ? 'ready' : exchange.ctx.closing ? 'stopping' : 'starting', ...detail };
  exchange.json(ready ? 200 : 503, JSON.stringify(body));
}
