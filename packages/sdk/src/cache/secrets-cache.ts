import { EventEmitter } from 'node:events';
import { type Clock, systemClock, type TimerHandle } from '../clock.js';
import {
  AccessDeniedError,
  InvalidJsonError,
  InvalidRequestError,
  isTransient,
  SecretsError,
  ThrottledError,
  UpstreamUnavailableError,
  WrongSecretTypeError,
} from '../errors.js';
import { type JsonValue, parseSecretJson, secretField } from '../json.js';
import { type Logger, silentLogger } from '../logger.js';
import { lazyAwsSource } from '../sources/aws/lazy-aws-source.js';
import type { CachedSecret, CacheLookup, GetOptions, SecretValue } from '../types/secret.js';
import type { BatchItem, SecretDescription, SecretRequest, SecretSource } from '../types/source.js';
import { untilAborted } from './abort.js';
import { CacheEntry } from './entry.js';
import type { ChangeListener, EntryRef, SecretsCacheEvents } from './events.js';
import { KeyedCache } from './keyed-cache.js';
import { type CacheMetrics, noMetrics, type UpstreamOperation } from './metrics.js';
import { type CacheConfig, resolveCacheConfig, type SecretsCacheOptions } from './options.js';
import { cachedSecret, type HitResults } from './results.js';
import { checkVersion, type VersionCheck } from './versions.js';

/** Which version of a secret a call means. Both are part of the cache key. */
export type VersionOptions = Pick<GetOptions, 'versionId' | 'versionStage'>;

export interface GetJsonOptions<T> extends GetOptions {
  /** A type guard; a value it rejects is an `InvalidJsonError` (which never quotes the value). */
  validate?: (value: unknown) => value is T;
}

export interface PrefetchOptions {
  readonly signal?: AbortSignal;
}

/** BatchGetSecretValue takes at most 20 secret ids per call. */
const BATCH_SIZE = 20;

const ignore = (): void => {};

/** A watched key: its listeners and the timer of its next background check. */
interface Watch {
  readonly request: SecretRequest;
  readonly listeners: Set<ChangeListener>;
  timer: TimerHandle | undefined;
}

/**
 * An in-process cache of Secrets Manager secrets.
 *
 * - A miss makes one upstream read per key however many callers wait (single-flight).
 * - After the (jittered) TTL, a DescribeSecret checks whether the version holding the requested stage moved;
 *   GetSecretValue runs only when it did. Reads late in the TTL refresh in the background (refresh-ahead).
 * - While a rotation is in progress the secret is checked every few seconds.
 * - Transient upstream failures serve the last value (flagged stale) for up to `maxStale`, with jittered
 *   exponential backoff; permanent failures are reported and remembered for the backoff time.
 * - Bounded by entries and bytes (LRU).
 *
 * The entry policy (TTL, stale window, remembered errors, backoff, recovery, single-flight, bounds) is KeyedCache's;
 * this class adds the version checks, refresh-ahead, rotation polling, forced refreshes, watches and events.
 */
export class SecretsCache extends EventEmitter<SecretsCacheEvents> {
  readonly #config: CacheConfig;
  readonly #source: SecretSource;
  readonly #ownsSource: boolean;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #logger: Logger;
  readonly #metrics: CacheMetrics;
  readonly #entries: KeyedCache<CacheEntry, CacheLookup>;
  readonly #watches = new Map<string, Watch>();
  /** False once DescribeSecret was denied (or when the source has none). */
  #canDescribe: boolean;

  constructor(options: SecretsCacheOptions = {}) {
    super();
    this.#config = resolveCacheConfig(options);
    this.#ownsSource = options.closeSource ?? options.source === undefined;
    this.#source = options.source ?? lazyAwsSource();
    this.#canDescribe = this.#source.describeSecret !== undefined;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#logger = options.logger ?? silentLogger;
    this.#entries = new KeyedCache<CacheEntry, CacheLookup>(this.#config, {
      clock: this.#clock,
      random: this.#random,
      onEvict: (entry) => this.#evicted(entry),
      onSettled: (entry) => {
        if (this.#watches.has(entry.key)) this.#scheduleWatch(entry.key);
      },
      onRecovery: () => this.#retryAfterRecovery(),
    });
    this.#metrics = options.metrics?.(() => this.#entries.size) ?? noMetrics;
  }

  /** Number of entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** The secret, with `stale: true` when it is served past its TTL because the upstream is failing. */
  get(secretId: string, options?: GetOptions): Promise<CachedSecret> {
    const entry = this.#warm(secretId, options);
    if (entry !== undefined) {
      this.#metrics.request('hit');
      return (entry.hits as HitResults).get;
    }
    return this.#readSlow(secretId, options).then(({ value, status }) =>
      cachedSecret(value, status === 'stale'),
    );
  }

  /**
   * The secret and how it was served. `value` is frozen and the same object for every hit of one version, so
   * derived data can be memoized per value (WeakMap). A warm hit returns an already resolved promise.
   */
  lookup(secretId: string, options?: GetOptions): Promise<CacheLookup> {
    const entry = this.#warm(secretId, options);
    if (entry !== undefined) {
      this.#metrics.request('hit');
      return (entry.hits as HitResults).lookup;
    }
    return this.#readSlow(secretId, options);
  }

  /**
   * What `lookup` would resolve to right now, synchronously, when that needs no upstream call: a warm hit, or the
   * last value flagged stale while the upstream fails; undefined when the key is cold or expired, or the options ask
   * for the upstream (then call `lookup`). May start a background refresh. For hot paths that should not wait a
   * microtask for an already resolved promise (the sidecar answers a warm hit in the request callback).
   */
  peek(secretId: string, options?: GetOptions): CacheLookup | undefined {
    const entry = this.#warm(secretId, options);
    if (entry !== undefined) {
      this.#metrics.request('hit');
      return entry.result('hit');
    }
    if (options?.forceRefresh === true || options?.revalidate === true) return undefined;
    const stale = this.#entries.get(this.#keyOf(secretId, options?.versionId, options?.versionStage));
    const now = this.#clock.now();
    if (stale === undefined || !this.#entries.servableStale(stale, now)) return undefined;
    this.#refreshInBackground(stale, now);
    this.#metrics.request('stale');
    return stale.result('stale');
  }

  /** The secret's string; `WrongSecretTypeError` if it holds binary data. */
  async getString(secretId: string, options?: GetOptions): Promise<string> {
    const { value } = await this.lookup(secretId, options);
    if (value.string === undefined) {
      throw new WrongSecretTypeError(`Secret '${secretId}' holds binary data, not a string`, { secretId });
    }
    return value.string;
  }

  /** A copy of the secret's binary data; `WrongSecretTypeError` if it holds a string. */
  async getBinary(secretId: string, options?: GetOptions): Promise<Uint8Array> {
    const { value } = await this.lookup(secretId, options);
    if (value.binary === undefined) {
      throw new WrongSecretTypeError(`Secret '${secretId}' holds a string, not binary data`, { secretId });
    }
    return value.binary.slice();
  }

  /** The secret parsed as JSON (parsed once per version; deeply frozen, shared between callers). */
  async getJson<T = JsonValue>(secretId: string, options?: GetJsonOptions<T>): Promise<T> {
    const { value } = await this.lookup(secretId, options);
    const json: unknown = parseSecretJson(secretId, value);
    if (options?.validate !== undefined && !options.validate(json)) {
      throw new InvalidJsonError(`Secret '${secretId}' (version ${value.versionId}) failed validation`, {
        secretId,
      });
    }
    return json as T;
  }

  /** One top-level field of a JSON object secret, e.g. `getField(id, 'password')`. */
  async getField<T extends JsonValue = JsonValue>(
    secretId: string,
    field: string,
    options?: GetOptions,
  ): Promise<T> {
    const { value } = await this.lookup(secretId, options);
    return secretField(secretId, value, field) as T;
  }

  /**
   * Reads the secret from upstream now. Coalesced with any read in flight, and at most once per key per
   * `minRefreshInterval`: within it, the value just fetched is returned. Never sleeps.
   */
  refresh(secretId: string, options?: Omit<GetOptions, 'forceRefresh'>): Promise<CachedSecret> {
    return this.get(secretId, { ...options, forceRefresh: true });
  }

  /** Drops every cached version of `secretId`, or everything. Reads in flight still complete for their callers. */
  invalidate(secretId?: string): void {
    if (secretId === undefined) {
      this.#entries.clear();
      return;
    }
    const prefix = `${secretId}\0`;
    for (const key of this.#entries.keys()) {
      if (key === secretId || key.startsWith(prefix)) this.#entries.delete(key);
    }
  }

  /**
   * Loads secrets (current version) into the cache through BatchGetSecretValue, 20 per call, and reports each one:
   * a failure of one secret, or of a whole batch call, never fails the others (they are read one by one instead).
   * The batch calls go one after another, since BatchGetSecretValue's quota (100 calls a second per account) is a
   * hundredth of GetSecretValue's; once one is throttled, the rest are read one by one rather than batched.
   */
  async prefetch(secretIds: readonly string[], options?: PrefetchOptions): Promise<BatchItem[]> {
    const ids = [...new Set(secretIds)];
    const results = new Map<string, BatchItem>();
    const batchGet = this.#source.batchGetSecretValue?.bind(this.#source);
    if (batchGet !== undefined && this.#config.versionStage === 'AWSCURRENT') {
      for (let i = 0; i < ids.length; i += BATCH_SIZE) {
        const chunk = ids.slice(i, i + BATCH_SIZE);
        let items: BatchItem[];
        try {
          items = await this.#upstream('BatchGetSecretValue', chunk.join(','), () =>
            batchGet(chunk, options?.signal),
          );
        } catch (error) {
          // Already logged and counted; these ids are read one by one below, and after a throttle all the rest.
          if (error instanceof ThrottledError) break;
          continue;
        }
        for (const item of items) {
          if (item.value !== undefined) {
            results.set(item.secretId, item);
            this.#storeBatchValue(item.secretId, item.value);
          } else if (!isTransient(item.error)) {
            results.set(item.secretId, item);
          }
        }
      }
    }
    await Promise.all(
      ids
        .filter((id) => !results.has(id))
        .map(async (secretId) => {
          try {
            results.set(secretId, { secretId, value: (await this.lookup(secretId, options)).value });
          } catch (error) {
            results.set(secretId, { secretId, error: error as Error });
          }
        }),
    );
    return secretIds.map((secretId) => results.get(secretId) as BatchItem);
  }

  /**
   * Calls `listener(value, previous)` whenever the cached value of the key moves to another version. While a key
   * has listeners, the cache checks it on its own schedule (TTL, refresh-ahead, rotation polling), without reads.
   * Returns the function that removes the listener.
   */
  onChange(secretId: string, listener: ChangeListener, options?: VersionOptions): () => void {
    const request = this.#requestOf(secretId, options);
    const key = this.#keyOf(secretId, request.versionId, request.versionStage);
    let watch = this.#watches.get(key);
    if (watch === undefined) {
      watch = { request, listeners: new Set(), timer: undefined };
      this.#watches.set(key, watch);
    }
    watch.listeners.add(listener);
    const entry = this.#entryFor(key, request);
    if (entry.value === undefined && entry.error === undefined) {
      // Load a baseline so that the next version is recognised as a change (its completion arms the timer).
      this.#refreshInBackground(entry, this.#clock.now());
    } else if (entry.inflight === undefined) {
      this.#scheduleWatch(key);
    }
    return () => {
      const current = this.#watches.get(key);
      if (current === undefined || !current.listeners.delete(listener) || current.listeners.size > 0) return;
      current.timer?.cancel();
      this.#watches.delete(key);
    };
  }

  /** Stops background checks, drops every entry, unpublishes metrics, and closes the source if the cache made it
   * (or `closeSource` says so). */
  async close(): Promise<void> {
    if (this.#entries.closed) return;
    for (const watch of this.#watches.values()) watch.timer?.cancel();
    this.#watches.clear();
    this.#entries.close();
    this.#metrics.close();
    this.removeAllListeners();
    if (this.#ownsSource) await this.#source.close?.();
  }

  // ---- reads -------------------------------------------------------------------------------------------------

  /** The entry when it can be served as a hit right now (starting a background check when one is due). */
  #warm(secretId: string, options: GetOptions | undefined): CacheEntry | undefined {
    let key = secretId;
    if (options !== undefined) {
      if (options.forceRefresh === true || options.revalidate === true) return undefined;
      key = this.#keyOf(secretId, options.versionId, options.versionStage);
    }
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.value === undefined) return undefined;
    const now = this.#clock.now();
    if (now >= entry.checkAt) {
      if (now >= entry.expiresAt) return undefined;
      this.#refreshInBackground(entry, now);
    }
    return entry;
  }

  async #readSlow(secretId: string, options: GetOptions | undefined): Promise<CacheLookup> {
    if (this.#entries.closed) throw new Error('SecretsCache is closed');
    const request = this.#requestOf(secretId, options);
    const entry = this.#entryFor(this.#keyOf(secretId, request.versionId, request.versionStage), request);
    try {
      const result = await untilAborted(
        this.#resolve(
          entry,
          options?.forceRefresh === true ? 'force' : options?.revalidate === true ? 'revalidate' : 'read',
        ),
        options?.signal,
      );
      this.#metrics.request(result.status);
      return result;
    } catch (error) {
      this.#metrics.request('miss');
      throw error;
    }
  }

  /** Decides how a read that missed the fast path is served. */
  #resolve(entry: CacheEntry, mode: 'read' | 'force' | 'revalidate'): Promise<CacheLookup> {
    const now = this.#clock.now();
    if (mode === 'revalidate') {
      // A read in flight may have started before the caller's evidence: check again once it is done. Without
      // DescribeSecret (or a value to check) that is a GetSecretValue marked forced, so an agent skips its cache.
      const previous = entry.inflight?.catch(ignore) ?? Promise.resolve();
      return previous.then(() => this.#revalidate(entry, !this.#canDescribe || entry.value === undefined));
    }
    if (entry.inflight !== undefined) return entry.inflight;
    if (mode === 'force') {
      if (entry.pinned && entry.value !== undefined) return Promise.resolve(entry.result('hit'));
      if (now - entry.forcedAt < this.#config.minRefreshIntervalMs) return this.#lastOutcome(entry, now);
      entry.forcedAt = now;
      return this.#revalidate(entry, true);
    }
    return this.#entries.read(entry, () => this.#fetch(entry, false));
  }

  /** The outcome of the forced refresh that just ran (for forced refreshes within `minRefreshInterval`). */
  #lastOutcome(entry: CacheEntry, now: number): Promise<CacheLookup> {
    if (entry.error === undefined && entry.value !== undefined) return Promise.resolve(entry.result('hit'));
    if (this.#entries.servableStale(entry, now)) {
      return Promise.resolve(entry.result('stale'));
    }
    return Promise.reject(entry.error);
  }

  #refreshInBackground(entry: CacheEntry, now: number): void {
    this.#entries.refreshInBackground(entry, now, () => this.#fetch(entry, false));
  }

  // ---- upstream ----------------------------------------------------------------------------------------------

  /** Starts (or joins) the one upstream read of this key. */
  #revalidate(entry: CacheEntry, force: boolean): Promise<CacheLookup> {
    return this.#entries.run(entry, () => this.#fetch(entry, force));
  }

  async #fetch(entry: CacheEntry, force: boolean): Promise<CacheLookup> {
    const { secretId } = entry.request;
    try {
      const current = entry.value;
      if (!force && current !== undefined && this.#config.ttlMs > 0 && this.#canDescribe) {
        const startedAt = this.#clock.now();
        const description = await this.#describe(secretId);
        if (description === undefined) return await this.#fetchValue(entry, undefined, undefined);
        const check = checkVersion(description, entry.request.versionStage ?? '', current.versionId);
        const nextRotation = description.nextRotationDate?.getTime();
        if (check?.unchanged === true) {
          this.#markVerified(entry, check, nextRotation);
          this.#emitRefresh(entry, 'DescribeSecret', false, startedAt);
          return entry.result('hit');
        }
        return await this.#fetchValue(entry, check, nextRotation);
      }
      return await this.#fetchValue(entry, undefined, undefined, force);
    } catch (error) {
      return this.#fail(entry, error);
    }
  }

  /**
   * DescribeSecret, or undefined when the caller may not call it: many IAM policies grant GetSecretValue alone,
   * and a value that cannot be version-checked is simply read again at each TTL, never dropped.
   */
  async #describe(secretId: string): Promise<SecretDescription | undefined> {
    try {
      return await this.#upstream('DescribeSecret', secretId, () => this.#source.describeSecret!(secretId));
    } catch (error) {
      if (!(error instanceof AccessDeniedError)) throw error;
      this.#canDescribe = false;
      this.#logger.warn(
        { secretId, err: errorFields(error) },
        'DescribeSecret denied: version checks and rotation awareness are off; values are re-read at each TTL',
      );
      return undefined;
    }
  }

  async #fetchValue(
    entry: CacheEntry,
    check: VersionCheck | undefined,
    nextRotation: number | undefined,
    force = false,
  ): Promise<CacheLookup> {
    const startedAt = this.#clock.now();
    const request = force ? { ...entry.request, forceRefresh: true } : entry.request;
    const value = await this.#upstream('GetSecretValue', entry.request.secretId, () =>
      this.#source.getSecretValue(request),
    );
    const changed = this.#store(entry, value, check, nextRotation);
    this.#emitRefresh(entry, 'GetSecretValue', changed, startedAt);
    return entry.result('miss');
  }

  /** Runs one upstream operation with metrics and logging; every failure leaves as a `SecretsError`. */
  async #upstream<T>(operation: UpstreamOperation, secretId: string, call: () => Promise<T>): Promise<T> {
    const startedAt = performance.now();
    try {
      const result = await call();
      const seconds = (performance.now() - startedAt) / 1000;
      this.#metrics.upstream(operation, seconds, undefined);
      this.#logger.debug({ secretId, operation, durationMs: Math.round(seconds * 1000) }, 'upstream read');
      return result;
    } catch (caught) {
      const error = asSecretsError(caught, secretId);
      this.#metrics.upstream(operation, (performance.now() - startedAt) / 1000, error);
      this.#logger.warn({ secretId, operation, err: errorFields(error) }, 'upstream read failed');
      throw error;
    }
  }

  /** Records a failure: back off, then serve stale (transient) or drop the value and report (permanent). */
  #fail(entry: CacheEntry, caught: unknown): CacheLookup {
    const error = asSecretsError(caught, entry.request.secretId);
    const servingStale = this.#entries.failed(entry, error);
    if (this.listenerCount('error') > 0) this.emit('error', { ...this.#ref(entry), error, servingStale });
    if (!servingStale) throw error;
    // Runs at every failed refresh while the upstream is down: fields written out, as spreading an object costs
    // microseconds on Node 20, and the event built only for listeners.
    const versionId = (entry.value as SecretValue).versionId;
    const { secretId, versionId: requestedVersionId, versionStage } = entry.request;
    const err = errorFields(error);
    this.#logger.warn({ secretId, versionStage, requestedVersionId, versionId, err }, 'serving stale value');
    if (this.listenerCount('stale') > 0) {
      this.emit('stale', { secretId, versionStage, requestedVersionId, error, versionId });
    }
    return entry.result('stale');
  }

  /** Stores a fetched value; returns whether it replaced another version. */
  #store(
    entry: CacheEntry,
    value: SecretValue,
    check: VersionCheck | undefined,
    nextRotation: number | undefined,
  ): boolean {
    const previous = entry.value;
    const replaced = entry.setValue(value) && previous !== undefined;
    this.#markVerified(entry, check, nextRotation);
    this.#entries.resized(entry);
    if (replaced) {
      const change = { ...this.#ref(entry), value: entry.value as SecretValue, previous };
      this.#logger.info(
        { ...this.#ref(entry), versionId: change.value.versionId, previousVersionId: previous.versionId },
        'secret changed',
      );
      this.emit('change', change);
      for (const listener of this.#watches.get(entry.key)?.listeners ?? []) {
        try {
          listener(change.value, previous);
        } catch (error) {
          this.#logger.error({ ...this.#ref(entry), err: errorFields(error) }, 'change listener failed');
        }
      }
    }
    return replaced;
  }

  /** The value is current as of now: clear errors and schedule its next check and expiry. */
  #markVerified(entry: CacheEntry, check: VersionCheck | undefined, nextRotation: number | undefined): void {
    const lifetime = this.#entries.verified(entry);
    if (entry.pinned) {
      entry.checkAt = Number.POSITIVE_INFINITY;
      entry.expiresAt = Number.POSITIVE_INFINITY;
      return;
    }
    const { ttlMs, refreshAhead, rotationCheckIntervalMs } = this.#config;
    const now = this.#clock.now();
    let checkAt = now + lifetime * (1 - refreshAhead);
    const pending = check?.pendingVersionId;
    if (check !== undefined && pending !== entry.pendingVersionId) {
      entry.pendingVersionId = pending;
      entry.pendingSince = now;
    }
    if (pending !== undefined && now - entry.pendingSince < ttlMs) {
      checkAt = Math.min(checkAt, now + rotationCheckIntervalMs);
    }
    if (nextRotation !== undefined && nextRotation > now) checkAt = Math.min(checkAt, nextRotation);
    entry.checkAt = checkAt;
  }

  #storeBatchValue(secretId: string, value: SecretValue): void {
    const request = this.#requestOf(secretId, undefined);
    const entry = this.#entryFor(secretId, request);
    const changed = this.#store(entry, value, undefined, undefined);
    this.#emitRefresh(entry, 'BatchGetSecretValue', changed, this.#clock.now());
  }

  #emitRefresh(entry: CacheEntry, operation: UpstreamOperation, changed: boolean, startedAt: number): void {
    if (this.listenerCount('refresh') === 0) return;
    this.emit('refresh', {
      ...this.#ref(entry),
      versionId: (entry.value as SecretValue).versionId,
      operation,
      changed,
      durationMs: this.#clock.now() - startedAt,
    });
  }

  // ---- watches -----------------------------------------------------------------------------------------------

  /** Arms the timer of a watched key for its next check (or the end of its backoff). */
  #scheduleWatch(key: string): void {
    const watch = this.#watches.get(key);
    if (watch === undefined || this.#entries.closed) return;
    watch.timer?.cancel();
    watch.timer = undefined;
    const entry = this.#entries.peek(key);
    const now = this.#clock.now();
    const dueAt =
      entry === undefined
        ? now
        : entry.error !== undefined
          ? Math.max(this.#entries.nextCallAt(entry), now)
          : entry.checkAt;
    if (!Number.isFinite(dueAt)) return;
    // Never poll faster than forced refreshes may go (a TTL of 0 would otherwise spin).
    const delay = Math.max(dueAt - now, this.#config.minRefreshIntervalMs);
    watch.timer = this.#clock.schedule(() => {
      watch.timer = undefined;
      if (this.#watches.get(key) !== watch) return;
      const current = this.#entryFor(key, watch.request);
      if (current.inflight !== undefined) return; // its completion arms the timer again
      if (this.#entries.mayCall(current, this.#clock.now())) this.#revalidate(current, false).catch(ignore);
      else this.#scheduleWatch(key);
    }, delay);
  }

  /**
   * After an outage, every key in error that holds a value retries at its recovery time (random, within the recovery
   * spread) rather than at the end of its backoff or at its next read: watched keys by their timer, the others by a
   * refresh in the background. Stale values are gone within the spread, read or not, and the retries of a cache (and
   * of a fleet of them) come spread out, not in one burst.
   */
  #retryAfterRecovery(): void {
    const now = this.#clock.now();
    for (const key of this.#entries.keys()) {
      const entry = this.#entries.peek(key);
      if (entry?.error === undefined || entry.inflight !== undefined) continue;
      if (this.#watches.has(key)) {
        this.#scheduleWatch(key);
      } else if (entry.value !== undefined) {
        this.#clock.schedule(() => {
          if (entry.error !== undefined && this.#entries.peek(key) === entry) {
            this.#refreshInBackground(entry, this.#clock.now());
          }
        }, this.#entries.nextCallAt(entry) - now);
      }
    }
  }

  // ---- keys and entries --------------------------------------------------------------------------------------

  #requestOf(secretId: string, options: VersionOptions | undefined): SecretRequest {
    if (typeof secretId !== 'string' || secretId.length === 0) {
      throw new InvalidRequestError('A secret id must be a non-empty string');
    }
    const versionId = options?.versionId;
    const versionStage =
      options?.versionStage ?? (versionId === undefined ? this.#config.versionStage : undefined);
    return versionId === undefined ? { secretId, versionStage } : { secretId, versionId, versionStage };
  }

  /** The default version of a secret is keyed by its id alone (the hot path builds no string). */
  #keyOf(secretId: string, versionId: string | undefined, versionStage: string | undefined): string {
    const stage = versionStage ?? (versionId === undefined ? this.#config.versionStage : undefined);
    if (versionId === undefined && stage === this.#config.versionStage) return secretId;
    return `${secretId}\0${versionId ?? ''}\0${stage ?? ''}`;
  }

  #entryFor(key: string, request: SecretRequest): CacheEntry {
    return this.#entries.entry(key, () => new CacheEntry(key, request));
  }

  #evicted(entry: CacheEntry): void {
    if (entry.value !== undefined && this.listenerCount('evict') > 0) {
      this.emit('evict', { ...this.#ref(entry), value: entry.value });
    }
  }

  #ref(entry: CacheEntry): EntryRef {
    const { secretId, versionId, versionStage } = entry.request;
    return { secretId, versionStage, requestedVersionId: versionId };
  }
}

/** Errors from a custom source that are not `SecretsError`s count as transient upstream failures. */
function asSecretsError(error: unknown, secretId: string): SecretsError {
  if (error instanceof SecretsError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new UpstreamUnavailableError(`Reading secret '${secretId}' failed: ${message}`, 'server', {
    secretId,
    cause: error,
  });
}

/** What a log line says about an error: codes and the upstream's message, never a value. */
function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof SecretsError) {
    return {
      type: error.code,
      upstreamCode: error.upstreamCode,
      httpStatus: error.httpStatus,
      message: error.message,
    };
  }
  return { type: error instanceof Error ? error.name : typeof error };
}
