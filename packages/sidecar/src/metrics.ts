/**
 * HTTP-level Prometheus metrics. The cache and upstream metrics (`latchkey_cache_*`, `latchkey_upstream_*`) are
 * published by the SDK's SecretsCache on the same registry; they are not duplicated here.
 * Request counts are kept per (route, status) in a map of prom-client children, so a request costs one lookup;
 * latency per request is in the audit log rather than a histogram on the hot path.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export type RouteName = 'ping' | 'ready' | 'metrics' | 'get' | 'path' | 'batch' | 'unknown';

export class SidecarMetrics {
  readonly registry: Registry;
  private readonly requests: Counter<'route' | 'status'>;
  private readonly children = new Map<RouteName, Map<number, { inc(): void }>>();

  constructor(openConnections: () => number, registry: Registry = new Registry()) {
    this.registry = registry;
    collectDefaultMetrics({ register: registry, prefix: 'latchkey_sidecar_' });
    this.requests = new Counter({
      name: 'latchkey_http_requests_total',
      help: 'HTTP requests answered by the sidecar, by route and status.',
      labelNames: ['route', 'status'],
      registers: [registry],
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

  request(route: RouteName, status: number): void {
    let byStatus = this.children.get(route);
    if (byStatus === undefined) {
      byStatus = new Map();
      this.children.set(route, byStatus);
    }
    let child = byStatus.get(status);
    if (child === undefined) {
      child = this.requests.labels(route, String(status));
      byStatus.set(status, child);
    }
    child.inc();
  }
}
