/**
 * HTTP-level Prometheus metrics. The cache and upstream metrics (`latchkey_cache_*`, `latchkey_upstream_*`) are
 * published by the SDK's SecretsCache on the same registry; they are not duplicated here.
 * Request counts are plain numbers per (route, status), folded into the prom-client counter when it is scraped,
 * so a request costs an array index and an increment; latency per request is in the audit log rather than a
 * histogram on the hot path.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { registerRuntimeMetrics } from './runtime-metrics.js';

export type RouteName = 'ping' | 'ready' | 'metrics' | 'get' | 'path' | 'batch' | 'parameter' | 'unknown';

const ROUTES: readonly RouteName[] = [
  'ping',
  'ready',
  'metrics',
  'get',
  'path',
  'batch',
  'parameter',
  'unknown',
];
const ROUTE_INDEX = new Map(ROUTES.map((route, index) => [route, index]));
/** HTTP status codes run from 100 to 599. */
const FIRST_STATUS = 100;
const STATUSES = 500;

export class SidecarMetrics {
  readonly registry: Registry;
  /** Requests answered since the last scrape, at [route index in ROUTES * STATUSES + status - FIRST_STATUS]. */
  private readonly pending = new Float64Array(ROUTES.length * STATUSES);

  constructor(openConnections: () => number, registry: Registry = new Registry()) {
    this.registry = registry;
    registerRuntimeMetrics(registry, 'latchkey_sidecar_');
    const pending = this.pending;
    new Counter({
      name: 'latchkey_http_requests_total',
      help: 'HTTP requests answered by the sidecar, by route and status.',
      labelNames: ['route', 'status'],
      registers: [registry],
      collect() {
        for (let index = 0; index < pending.length; index++) {
          const count = pending[index] as number;
          if (count === 0) continue;
          const route = ROUTES[Math.floor(index / STATUSES)] as RouteName;
          this.inc({ route, status: String(FIRST_STATUS + (index % STATUSES)) }, count);
          pending[index] = 0;
        }
      },
    });
    new Gauge({
      name: 'latchkey_http_open_connections',
      help: 'Client connections currently open, on all listeners.',
      registers: [registry],
      collect() {
        this.set(openConnections());
      },
    });
  }

  /** `status` is an HTTP status code (100 to 599). */
  request(route: RouteName, status: number): void {
    (this.pending[(ROUTE_INDEX.get(route) as number) * STATUSES + status - FIRST_STATUS] as number)++;
  }
}
