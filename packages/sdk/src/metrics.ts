/**
 * `@latchkey/sdk/metrics`: Prometheus metrics for `SecretsCache` through prom-client (an optional peer dependency:
 * install it to use this subpath). `new SecretsCache({ metrics: promMetrics(registry) })`.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CacheMetrics, CacheMetricsFactory, UpstreamOperation } from './cache/metrics.js';
import type { SecretsError } from './errors.js';
import type { CacheStatus } from './types/secret.js';

/** The metrics option of a cache publishing `latchkey_*` metrics on `registry`. Several caches may share one
 * registry. */
export function promMetrics(registry: Registry): CacheMetricsFactory {
  return (entries) => new PromCacheMetrics(registry, entries);
}

/** The caches publishing into one metric object; a metric is created once per registry and shared by name, so
 * several caches (and the sidecar) can use one registry. */
const publishers = new WeakMap<object, Set<PromCacheMetrics>>();

function publishersOf(metric: object): Set<PromCacheMetrics> {
  let set = publishers.get(metric);
  if (set === undefined) {
    set = new Set();
    publishers.set(metric, set);
  }
  return set;
}

function shared<T extends object>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/**
 * prom-client metrics. Reads are counted in plain integers and added to the counter when the registry is
 * scraped, so a cache hit costs an increment rather than a label lookup.
 */
export class PromCacheMetrics implements CacheMetrics {
  readonly #requests: Counter<'result'>;
  readonly #entriesGauge: Gauge;
  readonly #upstreamRequests: Counter<'operation'>;
  readonly #upstreamDuration: Histogram<'operation'>;
  readonly #upstreamErrors: Counter<'operation' | 'type'>;
  readonly #entries: () => number;
  #unreported: Record<CacheStatus, number> = { hit: 0, miss: 0, stale: 0 };

  constructor(registry: Registry, entries: () => number) {
    this.#entries = entries;
    const registers = [registry];
    this.#requests = shared(
      registry,
      'latchkey_cache_requests_total',
      () =>
        new Counter({
          name: 'latchkey_cache_requests_total',
          help: 'Reads served by the cache(s), by result (hit, miss, stale).',
          labelNames: ['result'],
          registers,
          collect() {
            for (const publisher of publishersOf(this)) publisher.#flushRequests();
          },
        }),
    );
    this.#entriesGauge = shared(
      registry,
      'latchkey_cache_entries',
      () =>
        new Gauge({
          name: 'latchkey_cache_entries',
          help: 'Entries held by the cache(s).',
          registers,
          collect() {
            let total = 0;
            for (const publisher of publishersOf(this)) total += publisher.#entries();
            this.set(total);
          },
        }),
    );
    this.#upstreamRequests = shared(
      registry,
      'latchkey_upstream_requests_total',
      () =>
        new Counter({
          name: 'latchkey_upstream_requests_total',
          help: 'Requests sent upstream, by operation.',
          labelNames: ['operation'],
          registers,
        }),
    );
    this.#upstreamDuration = shared(
      registry,
      'latchkey_upstream_request_duration_seconds',
      () =>
        new Histogram({
          name: 'latchkey_upstream_request_duration_seconds',
          help: 'Duration of requests sent upstream, by operation.',
          labelNames: ['operation'],
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers,
        }),
    );
    this.#upstreamErrors = shared(
      registry,
      'latchkey_upstream_errors_total',
      () =>
        new Counter({
          name: 'latchkey_upstream_errors_total',
          help: 'Failed requests sent upstream, by operation and error type.',
          labelNames: ['operation', 'type'],
          registers,
        }),
    );
    // Label values that exist from the start, so dashboards see zeros instead of gaps.
    for (const result of ['hit', 'miss', 'stale'] as const) this.#requests.inc({ result }, 0);
    publishersOf(this.#requests).add(this);
    publishersOf(this.#entriesGauge).add(this);
  }

  request(status: CacheStatus): void {
    this.#unreported[status]++;
  }

  upstream(operation: UpstreamOperation, seconds: number, error: SecretsError | undefined): void {
    this.#upstreamRequests.inc({ operation });
    this.#upstreamDuration.observe({ operation }, seconds);
    if (error !== undefined) this.#upstreamErrors.inc({ operation, type: error.code });
  }

  close(): void {
    this.#flushRequests();
    publishersOf(this.#requests).delete(this);
    publishersOf(this.#entriesGauge).delete(this);
  }

  #flushRequests(): void {
    const unreported = this.#unreported;
    for (const result of ['hit', 'miss', 'stale'] as const) {
      if (unreported[result] > 0) this.#requests.inc({ result }, unreported[result]);
      unreported[result] = 0;
    }
  }
}
