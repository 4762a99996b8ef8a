/** What SecretsCache reads resolve to: built per read, except the warm-hit promises of `get` and `lookup`. */
import type { CachedSecret, CacheLookup, CacheStatus, SecretValue } from '../types/secret.js';

/** A `lookup` or `peek` result. */
export function lookupResult(value: SecretValue, status: CacheStatus): CacheLookup {
  return { value, status };
}

/** A `get` result: the value's fields and the stale flag. Frozen like the value it copies. */
export function cachedSecret(value: SecretValue, stale: boolean): CachedSecret {
  return Object.freeze({ ...value, stale });
}

/** The already resolved promises a warm hit returns, shared by every hit of one version. */
export interface HitResults {
  readonly get: Promise<CachedSecret>;
  readonly lookup: Promise<CacheLookup>;
}

/**
 * Built once per version, so that a warm `get` or `lookup` allocates nothing. What it buys (`npm run bench -- sdk`,
 * against building the same result per hit, calls per CPU second): a warm `get` 3.0-3.7x on Node 20 and 1.8-1.9x on
 * Node 24 (copying and freezing the value's fields per hit is what costs); a warm `lookup` 1.08-1.20x on both. A warm
 * `peek` gained nothing measurable from a prebuilt result (0.95-1.05x), so it builds its own. Costs about 280 B per
 * cached version.
 */
export function hitResults(value: SecretValue): HitResults {
  return {
    get: Promise.resolve(cachedSecret(value, false)),
    lookup: Promise.resolve(Object.freeze(lookupResult(value, 'hit'))),
  };
}
