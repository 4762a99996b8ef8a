/**
 * `@latchkey/sdk/internal`: what the Latchkey sidecar builds on besides the public API: the keyed cache policy
 * (its Parameter Store cache uses the one SecretsCache uses), the mapping of AWS errors to typed errors, the
 * backoff and throttle hold, an AwsSource that loads the AWS SDK on its first read, and how its clients read a
 * response body. Applications use `@latchkey/sdk`; this subpath may change in any release.
 */
export { KeyedCache, type KeyedCacheConfig, type KeyedCacheHooks, KeyedEntry } from './cache/keyed-cache.js';
export { type CacheConfig, resolveCacheConfig } from './cache/options.js';
export { backoffDelay, throttleHold } from './cache/policy.js';
export { collectBody } from './sources/aws/body-collector.js';
export { lazyAwsSource } from './sources/aws/lazy-aws-source.js';
export {
  mapUpstreamError,
  PARAMETER_STORE,
  SECRETS_MANAGER,
  type UpstreamService,
} from './sources/upstream-error.js';
