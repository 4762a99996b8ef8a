import type { CacheConfig } from './options.js';

/** Delay before retry number `failures` (1-based): min(max, base × factor^(failures−1)), jittered down by up to
 * `jitter` of itself. Computed in floating point and capped, so it can neither overflow nor go negative. */
export function backoffDelay(
  backoff: CacheConfig['backoff'],
  failures: number,
  random: () => number,
): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 64);
  const delay = Math.min(backoff.maxMs, backoff.baseMs * backoff.factor ** exponent);
  return delay * (1 - backoff.jitter * random());
}
