/**
 * The caches behind the sidecar: one SecretsCache for the sidecar's own credentials, and one per `roleArn`
 * (cross-account reads), created on first use and bounded: past `maxRoles`, the least recently used role's cache
 * is closed and dropped.
 */
import type {
  BatchItem,
  CacheLookup,
  ChangeEvent,
  ErrorEvent,
  EvictEvent,
  GetOptions,
  RefreshEvent,
  SecretValue,
} from '@latchkey/sdk';
import { LRUCache } from 'lru-cache';

/** What the sidecar needs of a SecretsCache. */
export interface SecretReader {
  lookup(secretId: string, options?: GetOptions): Promise<CacheLookup>;
  /** `lookup`'s answer without a promise when the key is warm; undefined otherwise. */
  lookupWarm(secretId: string, options?: GetOptions): CacheLookup | undefined;
  prefetch(secretIds: readonly string[]): Promise<BatchItem[]>;
  /** Called when the cached version of the key changes; returns the unsubscribe function. */
  onChange(
    secretId: string,
    listener: (value: SecretValue) => void,
    options?: Pick<GetOptions, 'versionId' | 'versionStage'>,
  ): () => void;
  /** Every change of a cached version, whatever the key (SecretsCache's `change` event). */
  on(event: 'change', listener: (change: ChangeEvent) => void): unknown;
  /** Every value the cache stops holding: evicted, invalidated, unreadable (SecretsCache's `evict` event). */
  on(event: 'evict', listener: (evicted: EvictEvent) => void): unknown;
  /** Every upstream read that succeeded (SecretsCache's `refresh` event). */
  on(event: 'refresh', listener: (refresh: RefreshEvent) => void): unknown;
  /** Every upstream read that failed (SecretsCache's `error` event). */
  on(event: 'error', listener: (failure: ErrorEvent) => void): unknown;
  close(): unknown;
}

export type SecretReaderFactory = (roleArn: string | undefined) => SecretReader;

export class SecretReaders {
  readonly primary: SecretReader;
  private readonly roles: LRUCache<string, SecretReader>;
  private readonly factory: SecretReaderFactory;
  private readonly onRetired: ((value: SecretValue) => void) | undefined;

  /** `onRetired` hears of every value a cache stops serving, from every reader: replaced by another version
   * (rotation, a new value), or no longer held (evicted, invalidated, unreadable, the role's cache closed). */
  constructor(factory: SecretReaderFactory, maxRoles: number, onRetired?: (value: SecretValue) => void) {
    this.factory = factory;
    this.onRetired = onRetired;
    this.primary = this.create(undefined);
    this.roles = new LRUCache<string, SecretReader>({
      max: maxRoles,
      dispose: (reader) => {
        void Promise.resolve(reader.close()).catch(() => undefined);
      },
    });
  }

  forRole(roleArn: string | undefined): SecretReader {
    if (roleArn === undefined) return this.primary;
    let reader = this.roles.get(roleArn);
    if (reader === undefined) {
      reader = this.create(roleArn);
      this.roles.set(roleArn, reader);
    }
    return reader;
  }

  private create(roleArn: string | undefined): SecretReader {
    const reader = this.factory(roleArn);
    const onRetired = this.onRetired;
    if (onRetired !== undefined) {
      reader.on('change', (change) => onRetired(change.previous));
      reader.on('evict', (evicted) => onRetired(evicted.value));
    }
    return reader;
  }

  get roleCount(): number {
    return this.roles.size;
  }

  async close(): Promise<void> {
    const readers = [this.primary, ...this.roles.values()];
    this.roles.clear();
    await Promise.allSettled(readers.map(async (reader) => reader.close()));
  }
}
