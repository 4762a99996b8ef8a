import type { SecretsError } from '../errors.js';
import type { SecretValue } from '../types/secret.js';
import type { UpstreamOperation } from './metrics.js';

/** Which cache entry an event concerns: the secret id and version options as the reads asked for them. */
export interface EntryRef {
  readonly secretId: string;
  /** The stage asked for; undefined for a read pinned to a versionId. */
  readonly versionStage: string | undefined;
  /** The versionId asked for, when the read named one. */
  readonly requestedVersionId: string | undefined;
}

/** An upstream read succeeded. `changed`: it brought a version other than the one cached. */
export interface RefreshEvent extends EntryRef {
  /** The version cached now. */
  readonly versionId: string;
  readonly operation: UpstreamOperation;
  readonly changed: boolean;
  readonly durationMs: number;
}

/** The cached value of a key moved to another version (rotation, a new value put, a stage moved). */
export interface ChangeEvent extends EntryRef {
  readonly value: SecretValue;
  readonly previous: SecretValue;
}

/** The cache no longer holds a value, and neither should anything derived from it: its entry was pushed out by the
 * size bounds, invalidated or closed, or the secret can no longer be read (deleted, access denied). */
export interface EvictEvent extends EntryRef {
  readonly value: SecretValue;
}

/** An upstream read failed. `servingStale`: the last good value is still being served. */
export interface ErrorEvent extends EntryRef {
  readonly error: SecretsError;
  readonly servingStale: boolean;
}

/** The cache started serving a value past its TTL because the upstream fails transiently. */
export interface StaleEvent extends EntryRef {
  readonly error: SecretsError;
  /** The version being served. */
  readonly versionId: string;
}

export interface SecretsCacheEvents {
  refresh: [RefreshEvent];
  change: [ChangeEvent];
  evict: [EvictEvent];
  /** Emitted only while someone listens, so an unhandled upstream error never crashes the process. */
  error: [ErrorEvent];
  stale: [StaleEvent];
}

/** `onChange` listeners receive the new value and the one it replaced. */
export type ChangeListener = (value: SecretValue, previous: SecretValue) => void;
