import type { Clock } from '../clock.js';
import { type Duration, durationOption } from '../duration.js';
import type { Logger } from '../logger.js';
import type { SecretSource } from '../types/source.js';
import type { CacheMetricsFactory } from './metrics.js';

/** Exponential backoff after an upstream failure: delay n = min(max, base × factor^(n−1)), then jittered down by
 * up to `jitter` of itself. */
export interface BackoffOptions {
  /** First delay. Default `'1s'`. */
  base?: Duration;
  baseMs?: number;
  /** Growth per consecutive failure. Default `2`. */
  factor?: number;
  /** Cap. Default `'5m'`. */
  max?: Duration;
  maxMs?: number;
  /** Fraction (0–1) of each delay that is randomised away, so clients do not retry in step. Default `0.5`
   * (a delay d becomes uniform in [d/2, d]). */
  jitter?: number;
}

/** Options of `SecretsCache`. Every duration has a typed form (`ttl: '5m'`) and a milliseconds form (`ttlMs`). */
export interface SecretsCacheOptions {
  /** Where secrets come from. Default: a new `AwsSource` (AWS SDK v3, default credentials and region). */
  source?: SecretSource;
  /** Whether `close()` also closes the source. Default: only when the cache created it (no `source` given). */
  closeSource?: boolean;
  /** How long a value is served without asking upstream. Default `'5m'`. `'0s'` turns caching off: every read
   * goes upstream (GetSecretValue), still single-flight per key. */
  ttl?: Duration;
  ttlMs?: number;
  /** Fraction (0–1) of the TTL cut at random from each entry's lifetime, so entries loaded together do not expire
   * together. Default `0.1` (a TTL of 5 m becomes 4.5–5 m). */
  ttlJitter?: number;
  /** Fraction (0–1) of the TTL at its end during which a read also starts a background refresh, so hot keys are
   * renewed before they expire and callers never wait. Default `0.2`; `0` turns it off. */
  refreshAhead?: number;
  /** How long past its TTL a value may still be served, flagged `stale`, while the upstream fails transiently
   * (timeouts, 5xx, throttling, network). Default `'1h'`; `'0s'` never serves stale values. */
  maxStale?: Duration;
  maxStaleMs?: number;
  /** Most entries kept (least recently used go first). Default `1000`. */
  maxEntries?: number;
  /** Most bytes of secret values kept (approximate: value size plus a fixed overhead per entry). Default: no byte
   * bound beyond `maxEntries` (Secrets Manager values are at most 64 KiB). */
  maxBytes?: number;
  /** Retry pacing after upstream errors; also how long a permanent error (not found, access denied) is remembered
   * before the upstream is asked again. */
  backoff?: BackoffOptions;
  /** Stage read when a call names neither `versionId` nor `versionStage`. Default `'AWSCURRENT'`. */
  versionStage?: string;
  /** While a rotation is in progress (an `AWSPENDING` version other than `AWSCURRENT`), how often the secret is
   * checked, so the rotated value is picked up in seconds. Default `'5s'`. */
  rotationCheckInterval?: Duration;
  rotationCheckIntervalMs?: number;
  /** Forced refreshes (`refresh()`, `forceRefresh`) of one key go upstream at most once per interval; within it
   * they return the outcome of the one that did. Callers never sleep. Default `'1s'`. */
  minRefreshInterval?: Duration;
  minRefreshIntervalMs?: number;
  /** Where reads and upstream calls are counted: `promMetrics(registry)` from `@latchkey/sdk/metrics` publishes
   * the `latchkey_*` metrics on a prom-client registry. Default: not counted. */
  metrics?: CacheMetricsFactory;
  /** A pino (or pino-compatible) logger. Default: silent. Secret values never reach it. */
  logger?: Logger;
  /** Time source; tests pass a `ManualClock`. */
  clock?: Clock;
  /** Random numbers in [0, 1) for jitter; tests pass a fixed function. Default `Math.random`. */
  random?: () => number;
}

/** The options with defaults applied and durations in milliseconds. */
export interface CacheConfig {
  readonly ttlMs: number;
  readonly ttlJitter: number;
  readonly refreshAhead: number;
  readonly maxStaleMs: number;
  readonly maxEntries: number;
  readonly maxBytes: number | undefined;
  readonly backoff: {
    readonly baseMs: number;
    readonly factor: number;
    readonly maxMs: number;
    readonly jitter: number;
  };
  readonly versionStage: string;
  readonly rotationCheckIntervalMs: number;
  readonly minRefreshIntervalMs: number;
}

function fraction(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!(result >= 0 && result <= 1))
    throw new RangeError(`${name} must be a fraction between 0 and 1 (got ${result})`);
  return result;
}

function positiveInteger(
  name: string,
  value: number | undefined,
  fallback: number | undefined,
): number | undefined {
  const result = value ?? fallback;
  if (result !== undefined && !(Number.isInteger(result) && result > 0)) {
    throw new RangeError(`${name} must be a positive integer (got ${result})`);
  }
  return result;
}

export function resolveCacheConfig(options: SecretsCacheOptions): CacheConfig {
  const backoff = options.backoff ?? {};
  const factor = backoff.factor ?? 2;
  if (!(factor >= 1)) throw new RangeError(`backoff.factor must be at least 1 (got ${factor})`);
  return {
    ttlMs: durationOption('ttl', options.ttl, options.ttlMs, 300_000),
    ttlJitter: fraction('ttlJitter', options.ttlJitter, 0.1),
    refreshAhead: fraction('refreshAhead', options.refreshAhead, 0.2),
    maxStaleMs: durationOption('maxStale', options.maxStale, options.maxStaleMs, 3_600_000),
    maxEntries: positiveInteger('maxEntries', options.maxEntries, 1000) as number,
    maxBytes: positiveInteger('maxBytes', options.maxBytes, undefined),
    backoff: {
      baseMs: durationOption('backoff.base', backoff.base, backoff.baseMs, 1_000),
      factor,
      maxMs: durationOption('backoff.max', backoff.max, backoff.maxMs, 300_000),
      jitter: fraction('backoff.jitter', backoff.jitter, 0.5),
    },
    versionStage: options.versionStage ?? 'AWSCURRENT',
    rotationCheckIntervalMs: durationOption(
      'rotationCheckInterval',
      options.rotationCheckInterval,
      options.rotationCheckIntervalMs,
      5_000,
    ),
    minRefreshIntervalMs: durationOption(
      'minRefreshInterval',
      options.minRefreshInterval,
      options.minRefreshIntervalMs,
      1_000,
    ),
  };
}
