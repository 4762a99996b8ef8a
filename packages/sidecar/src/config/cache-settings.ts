/** The caches' settings in the units the caches take, from the configuration's seconds and switches. */
import type { SidecarConfig } from './schema.js';

export interface CacheSettings {
  /** Secrets; 0 when caching is off (PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED=false or a 0 size or TTL). */
  readonly ttlMs: number;
  /** Parameter Store answers; 0 when caching is off. */
  readonly parameterTtlMs: number;
  /** How long past its TTL a value may be served while AWS fails; 0 with `ignore_transient_errors = false`. */
  readonly maxStaleMs: number;
  readonly maxEntries: number;
  /** The fraction of the TTL, at its end, in which a read refreshes in the background (0: never). */
  readonly refreshAhead: number;
}

const REFRESH_AHEAD_FRACTION = 0.2;

export function cacheSettings(config: SidecarConfig): CacheSettings {
  const { cacheEnabled, latchkey } = config;
  return {
    ttlMs: cacheEnabled ? config.ttlSeconds * 1000 : 0,
    parameterTtlMs: cacheEnabled ? latchkey.parameterTtlSeconds * 1000 : 0,
    maxStaleMs: config.ignoreTransientErrors ? latchkey.maxStaleSeconds * 1000 : 0,
    maxEntries: config.cacheSize,
    refreshAhead: latchkey.refreshAhead ? REFRESH_AHEAD_FRACTION : 0,
  };
}
