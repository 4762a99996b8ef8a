/** One version of a secret as the cache holds it. Instances are frozen and shared: repeated cache hits for the
 * same version return the same object, so a consumer (the sidecar) may memoize derived data in a WeakMap. */
export interface SecretValue {
  readonly arn: string;
  readonly name: string;
  readonly versionId: string;
  readonly versionStages: readonly string[];
  /** When Secrets Manager created this version. */
  readonly createdDate: Date | undefined;
  /** Exactly one of `string` and `binary` is set. */
  readonly string?: string;
  readonly binary?: Uint8Array;
}

/** How a read was served. `stale`: the upstream failed transiently and a value younger than `maxStale` was served. */
export type CacheStatus = 'hit' | 'miss' | 'stale';

/** What `SecretsCache.get` returns: the version plus how it was served. */
export interface CachedSecret extends SecretValue {
  readonly stale: boolean;
}

/** A read, with the stable value object and its cache status kept apart (the sidecar's hot path). */
export interface CacheLookup {
  readonly value: SecretValue;
  readonly status: CacheStatus;
}

export interface GetOptions {
  /** Part of the cache key. */
  readonly versionId?: string;
  /** Part of the cache key. Default: the cache's `versionStage` (AWSCURRENT). */
  readonly versionStage?: string;
  /** Go upstream now (coalesced and rate-limited per key; the caller never sleeps). */
  readonly forceRefresh?: boolean;
  /**
   * Check upstream now whether the cached version is still the one for this stage (DescribeSecret; GetSecretValue
   * only when it moved), even within the TTL and the forced-refresh interval, after any read already in flight.
   * For callers with evidence that the value is outdated, such as a refused login; cheaper than `forceRefresh`.
   */
  readonly revalidate?: boolean;
  readonly signal?: AbortSignal;
}
