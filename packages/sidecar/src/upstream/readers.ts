/**
 * The caches behind the sidecar: one SecretsCache for the sidecar's own credentials, and one per `roleArn`
 * (cross-account reads), created on first use and bounded by `maxRoles`. A role's cache belongs to the client that
 * used it last. At the limit, a client's new role replaces that client's own least recently used role; only a
 * client holding none replaces the least recently used role of all. So a client cycling through roles takes at
 * most one role cache from the others.
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

/** What the sidecar needs of a SecretsCache. */
export interface SecretReader {
  lookup(secretId: string, options?: GetOptions): Promise<CacheLookup>;
  /** `lookup`'s answer without a promise when it needs no upstream call; undefined otherwise. */
  peek(secretId: string, options?: GetOptions): CacheLookup | undefined;
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
  /** Role caches by ARN, least recently used first, with the client that used each last. */
  private readonly roles = new Map<string, { reader: SecretReader; client: string }>();
  private readonly maxRoles: number;
  private readonly factory: SecretReaderFactory;
  private readonly onRetired: ((value: SecretValue) => void) | undefined;

  /** `onRetired` hears of every value a cache stops serving, from every reader: replaced by another version
   * (rotation, a new value), or no longer held (evicted, invalidated, unreadable, the role's cache closed). */
  constructor(factory: SecretReaderFactory, maxRoles: number, onRetired?: (value: SecretValue) => void) {
    this.factory = factory;
    this.maxRoles = maxRoles;
    this.onRetired = onRetired;
    this.primary = this.create(undefined);
  }

  /** The cache for `roleArn` (the sidecar's own without one), as used by the client named `client`. */
  forRole(roleArn: string | undefined, client: string): SecretReader {
    if (roleArn === undefined) return this.primary;
    const held = this.roles.get(roleArn);
    // Taken out and put back: the Map's order is the order of use.
    if (held !== undefined) this.roles.delete(roleArn);
    else if (this.roles.size >= this.maxRoles) this.evictFor(client);
    const reader = held?.reader ?? this.create(roleArn);
    this.roles.set(roleArn, { reader, client });
    return reader;
  }

  /** Closes the least recently used role cache of `client`, or if it holds none, the least recently used of all. */
  private evictFor(client: string): void {
    let victim: string | undefined;
    for (const [roleArn, held] of this.roles) {
      victim ??= roleArn;
      if (held.client === client) {
        victim = roleArn;
        break;
      }
    }
    if (victim === undefined) return;
    const reader = this.roles.get(victim)?.reader;
    this.roles.delete(victim);
    void Promise.resolve(reader?.close()).catch(() => undefined);
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
    const readers = [this.primary, ...[...this.roles.values()].map((held) => held.reader)];
    this.roles.clear();
    await Promise.allSettled(readers.map(async (reader) => reader.close()));
  }
}
