import type { SecretValue } from './secret.js';

/** The version map of a secret, from DescribeSecret. `versionIdsToStages` is undefined when the upstream did not
 * send it (some emulators); the cache then falls back to GetSecretValue. */
export interface SecretDescription {
  readonly arn: string;
  readonly name: string;
  readonly versionIdsToStages: Readonly<Record<string, readonly string[]>> | undefined;
  /** When the next scheduled rotation starts, if rotation is on; the cache checks the secret then. */
  readonly nextRotationDate?: Date;
}

export interface SecretRequest {
  readonly secretId: string;
  readonly versionId?: string;
  readonly versionStage?: string;
  /** A forced refresh: a source with a cache of its own (an agent) must bypass it (`refreshNow=true`). */
  readonly forceRefresh?: boolean;
  readonly signal?: AbortSignal;
}

/** Per-secret outcome of a batch read: either a value or an error (never both). */
export type BatchItem =
  | { readonly secretId: string; readonly value: SecretValue; readonly error?: undefined }
  | { readonly secretId: string; readonly value?: undefined; readonly error: Error };

/** Where secrets come from. Implementations: `AwsSource` (AWS SDK v3), `AgentSource` (a sidecar over HTTP).
 * Errors thrown are the SDK's typed errors (see errors.ts), carrying the secret id and the upstream code. */
export interface SecretSource {
  getSecretValue(request: SecretRequest): Promise<SecretValue>;
  /** Optional: a source that cannot describe (AgentSource) makes the cache re-fetch at TTL instead. */
  describeSecret?(secretId: string, signal?: AbortSignal): Promise<SecretDescription>;
  /** Optional: BatchGetSecretValue; without it, prefetch reads one by one. At most 20 ids per call. */
  batchGetSecretValue?(secretIds: readonly string[], signal?: AbortSignal): Promise<BatchItem[]>;
  close?(): void | Promise<void>;
}
