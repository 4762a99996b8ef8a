export type * from './cache/events.js';
export type { CacheMetrics, CacheMetricsFactory, UpstreamOperation } from './cache/metrics.js';
export type { BackoffOptions, SecretsCacheOptions } from './cache/options.js';
export {
  type GetJsonOptions,
  type PrefetchOptions,
  SecretsCache,
  type VersionOptions,
} from './cache/secrets-cache.js';
export { type Clock, ManualClock, systemClock, type TimerHandle } from './clock.js';
export {
  type DatabaseSecret,
  DatabaseSecretError,
  type EngineFamily,
  readDatabaseSecret,
  type TlsMode,
} from './db/database-secret.js';
export { type Duration, type DurationUnit, parseDuration } from './duration.js';
export { type LoadEnvOptions, loadEnv, resolveEnv, resolveReference } from './env/loader.js';
export { parseSecretReference, type SecretReference } from './env/reference.js';
export * from './errors.js';
export { type JsonValue, parseJsonText, parseSecretJson, secretField } from './json.js';
export type { Logger } from './logger.js';
export { type WithSecretOptions, withSecret } from './retry/with-secret.js';
export { AgentSource, type AgentSourceOptions } from './sources/agent/agent-source.js';
export { AGENT_TOKEN_VARIABLES, resolveAgentToken } from './sources/agent/token.js';
export { type AssumeRoleOptions, AwsSource, type AwsSourceOptions } from './sources/aws/aws-source.js';
export type * from './types/index.js';
export { SDK_VERSION } from './version.js';
