/**
 * The entry policy shared by the SDK's SecretsCache and the sidecar's Parameter Store cache: an LRU of keyed
 * entries, each fresh for its jittered TTL, then served stale (flagged) for up to `maxStaleMs` while the upstream
 * fails transiently; errors remembered for a jittered backoff (a permanent one drops the value); one upstream call per
 * key at a time (single-flight); recovery after an outage as policy.ts rules. What a value is and how it is
 * fetched belongs to the cache built on it.
 */
import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import { type SecretsError, ThrottledError } from '../errors.js';
import type { CacheStatus } from '../types/secret.js';
import type { CacheConfig } from './options.js';
import { type FailureState, UpstreamHealth } from './policy.js';

export type KeyedCacheConfig = Pick<
  CacheConfig,
  'ttlMs' | 'ttlJitter' | 'maxStaleMs' | 'maxEntries' | 'maxBytes' | 'backoff'
>;

/** One key's state. `R` is what a read of it resolves to (the value with how it was served). */
export abstract class KeyedEntry<V, R> implements FailureState {
  readonly key: string;
  value: V | undefined;
  /** Charged against `maxBytes`. */
  size = 1;
  /** From here on the value is not served without asking upstream (except as a stale fallback). */
  expiresAt = 0;
  /** The upstream call in flight, shared by every caller waiting for this key. */
  inflight: Promise<R> | undefined;
  error: SecretsError | undefined;
  failures = 0;
  retryAt = 0;
  recoveryDelay = 0;

  constructor(key: string) {
    this.key = key;
  }

  /** The read result for the held value (called only while one is held). */
  abstract result(status: CacheStatus): R;

  clearValue(): void {
    this.value = undefined;
  }
}

export interface KeyedCacheHooks<E> {
  readonly clock: Clock;
  readonly random: () => number;
  /** An entry holding a value left: pushed out by the bounds, deleted, cleared, or its value dropped. */
  readonly onEvict?: (entry: E) => void;
  /** An upstream call of this entry ended (the single-flight slot is free again). */
  readonly onSettled?: (entry: E) => void;
  /** The upstream answered after an outage. */
  readonly onRecovery?: () => void;
}

const ignore = (): void => {};

/** `E`: the entries (a subclass of KeyedEntry); `R`: what a read of one resolves to. */
export class KeyedCache<E extends KeyedEntry<unknown, R>, R> {
  readonly #config: KeyedCacheConfig;
  readonly #hooks: KeyedCacheHooks<E>;
  readonly #health: UpstreamHealth;
  readonly #entries: LRUCache<string, E>;
  /** True while `resized` takes an entry out and puts it back: that entry never left. */
  #reindexing = false;
  /** The call that went out while the upstream was down (the probe), until it settles. */
  #probe: Promise<void> | undefined;
  #closed = false;

  constructor(config: KeyedCacheConfig, hooks: KeyedCacheHooks<E>) {
    this.#config = config;
    this.#hooks = hooks;
    this.#health = new UpstreamHealth(hooks.random);
    // After the removal, not during it: a listener that throws cannot leave the LRU half updated.
    const disposeAfter = (entry: E) => {
      if (!this.#reindexing && entry.value !== undefined) hooks.onEvict?.(entry);
    };
    const { maxEntries, maxBytes } = config;
    this.#entries = new LRUCache<string, E>(
      maxBytes === undefined
        ? { max: maxEntries, disposeAfter }
        : { max: maxEntries, maxSize: maxBytes, sizeCalculation: (entry) => entry.size, disposeAfter },
    );
  }

  get size(): number {
    return this.#entries.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The entry, marked recently used. */
  get(key: string): E | undefined {
    return this.#entries.get(key);
  }

  /** The entry, recency untouched. */
  peek(key: string): E | undefined {
    return this.#entries.peek(key);
  }

  /** The entry of `key`, created (by `create`) when there is none. */
  entry(key: string, create: () => E): E {
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = create();
      this.#entries.set(key, entry);
    }
    return entry;
  }

  keys(): string[] {
    return [...this.#entries.keys()];
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Drops every entry; background refreshes stop. */
  close(): void {
    this.#closed = true;
    this.#entries.clear();
  }

  // ---- the policy ----------------------------------------------------------------------------------------------

  /**
   * A read that did not hit the caller's fast path: the fresh value, the call in flight, the last value flagged
   * stale (retried in the background when the backoff allows), the remembered error, or a new upstream call.
   */
  read(entry: E, call: () => Promise<R>): Promise<R> {
    const now = this.#hooks.clock.now();
    if (entry.value !== undefined && now < entry.expiresAt) return Promise.resolve(entry.result('hit'));
    if (entry.inflight !== undefined) return entry.inflight;
    if (entry.error !== undefined) {
      if (this.servableStale(entry, now)) {
        this.refreshInBackground(entry, now, call);
        return Promise.resolve(entry.result('stale'));
      }
      if (!this.#health.mayCall(entry, now)) return this.#coldRead(entry, entry.error, call);
    }
    return this.run(entry, call);
  }

  /**
   * A read with nothing to serve, whose key failed transiently and may not call yet. Its caller has nothing else to
   * get, so the spread of a recovery is not for it: once the upstream has answered it calls at once. While the
   * upstream is down it waits for the next probe's answer (the one in flight, or the next one due, within a probe
   * interval; this read makes it if no other does) and calls when the upstream is back; it fails when the upstream
   * is still down, or throttling. A pod that starts during an outage reads its secrets together, and none of them
   * fails once the upstream answers again.
   */
  #coldRead(entry: E, error: SecretsError, call: () => Promise<R>): Promise<R> {
    const now = this.#hooks.clock.now();
    if (!error.transient || this.#health.holding(now)) return Promise.reject(error);
    if (!this.#health.down) return this.run(entry, call);
    const waited =
      this.#probe ??
      new Promise<void>((resolve) =>
        this.#hooks.clock.schedule(resolve, this.#health.nextCallAt(entry) - now, true),
      );
    return waited.then(() => {
      const later = this.#hooks.clock.now();
      if (entry.value !== undefined && later < entry.expiresAt) return entry.result('hit');
      if (entry.inflight !== undefined) return entry.inflight;
      if (this.#closed) return Promise.reject(entry.error ?? error);
      const lastError = entry.error;
      if (lastError === undefined) return this.run(entry, call);
      if (this.#health.holding(later)) return Promise.reject(lastError);
      if (!this.#health.down || this.#health.mayCall(entry, later)) return this.run(entry, call);
      return Promise.reject(lastError);
    });
  }

  /** The last value may be served past its TTL: the upstream failed transiently, within `maxStaleMs`. */
  servableStale(entry: E, now: number): boolean {
    return (
      entry.error !== undefined &&
      entry.value !== undefined &&
      now < entry.expiresAt + this.#config.maxStaleMs
    );
  }

  /** Starts an upstream call unless one is in flight, the cache is closed or the backoff forbids it. */
  refreshInBackground(entry: E, now: number, call: () => Promise<R>): void {
    if (entry.inflight !== undefined || this.#closed || !this.#health.mayCall(entry, now)) return;
    this.run(entry, call).catch(ignore);
  }

  /** Whether the entry may call the upstream now (see UpstreamHealth.mayCall: a true answer must be acted on). */
  mayCall(entry: E, now: number): boolean {
    return this.#health.mayCall(entry, now);
  }

  /** The earliest time an entry in error may call the upstream again. */
  nextCallAt(entry: E): number {
    return this.#health.nextCallAt(entry);
  }

  /** Starts (or joins) the one upstream call of this entry. */
  run(entry: E, call: () => Promise<R>): Promise<R> {
    if (entry.inflight !== undefined) return entry.inflight;
    const inflight = call().finally(() => {
      entry.inflight = undefined;
      this.#hooks.onSettled?.(entry);
    });
    entry.inflight = inflight;
    if (this.#health.down) {
      const probe = inflight.then(ignore, ignore);
      this.#probe = probe;
      void probe.then(() => {
        if (this.#probe === probe) this.#probe = undefined;
      });
    }
    return inflight;
  }

  /** The upstream answered for the entry: errors cleared, fresh for a jittered TTL from now. Returns the lifetime. */
  verified(entry: E): number {
    const now = this.#hooks.clock.now();
    entry.error = undefined;
    entry.failures = 0;
    entry.retryAt = 0;
    const { ttlMs, ttlJitter } = this.#config;
    const lifetime = ttlMs * (1 - ttlJitter * this.#hooks.random());
    entry.expiresAt = now + lifetime;
    this.succeeded();
    return lifetime;
  }

  /** A call succeeded (for no entry in particular, e.g. a batch read). */
  succeeded(): void {
    if (this.#health.succeeded(this.#hooks.clock.now())) this.#hooks.onRecovery?.();
  }

  /** The upstream answered with an error (permanent, or a throttle): it is up. */
  #answered(): void {
    if (this.#health.answered(this.#hooks.clock.now())) this.#hooks.onRecovery?.();
  }

  /** Records a failed upstream call: backoff; a permanent error drops the value. Returns whether the last value
   * may still be served (stale). */
  failed(entry: E, error: SecretsError): boolean {
    const now = this.#hooks.clock.now();
    this.#health.failed(entry, error, this.#config.backoff, now);
    if (error instanceof ThrottledError) this.#answered();
    if (!error.transient) {
      this.#answered();
      if (entry.value !== undefined) this.#hooks.onEvict?.(entry);
      entry.clearValue();
      this.resized(entry);
    }
    return this.servableStale(entry, now);
  }

  /** Re-inserts an entry whose size changed, so the byte bound holds (lru-cache only re-measures a new object);
   * an evicted entry stays evicted. */
  resized(entry: E): void {
    if (this.#config.maxBytes === undefined || this.#entries.peek(entry.key) !== entry) return;
    this.#reindexing = true;
    try {
      this.#entries.delete(entry.key);
    } finally {
      this.#reindexing = false;
    }
    this.#entries.set(entry.key, entry);
    // Now larger than the byte bound on its own, it was not put back.
    if (this.#entries.peek(entry.key) !== entry && entry.value !== undefined) this.#hooks.onEvict?.(entry);
  }
}
