export type * from './cache/events.js';
export type { BackoffOptions, SecretsCacheOptions } from './cache/options.js';
export {
  type GetJsonOptions,
  type PrefetchOptions,
  SecretsCache,
  type VersionOptions,
} from './cache/secrets-cache.js';
export { type Clock, ManualClock, systemClock, type TimerHandle } from './clock.js';
export { type Duration, type DurationUnit, parseDuration } from './duration.js';
export * from './errors.js';
export type { JsonValue } from './json.js';
export type { Logger } from './logger.js';
export { type AssumeRoleOptions, AwsSource, type AwsSourceOptions } from './sources/aws/aws-source.js';
export type * from './types/index.js';
export { SDK_VERSION } from './version.js';
