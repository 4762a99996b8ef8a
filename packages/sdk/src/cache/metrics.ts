import type { SecretsError } from '../errors.js';
import type { CacheStatus } from '../types/secret.js';

/** `GetParameter`: the sidecar's Parameter Store cache publishes on the same metrics. */
export type UpstreamOperation = 'GetSecretValue' | 'DescribeSecret' | 'BatchGetSecretValue' | 'GetParameter';

/** What a cache reports; without `metrics` the cache uses `noMetrics`, which does nothing. The prom-client
 * implementation is `@latchkey/sdk/metrics`, so importing the SDK never loads prom-client. */
export interface CacheMetrics {
  /** One read served (hot path: must stay cheap). */
  request(status: CacheStatus): void;
  upstream(operation: UpstreamOperation, seconds: number, error: SecretsError | undefined): void;
  close(): void;
}

export const noMetrics: CacheMetrics = { request() {}, upstream() {}, close() {} };

/** Builds a cache's metrics; `entries` reads how many entries the cache holds. */
export type CacheMetricsFactory = (entries: () => number) => CacheMetrics;
