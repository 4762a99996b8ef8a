/**
 * Parameter Store parameters for the Lambda extension's `/systemsmanager/parameters/get` route, kept under the SDK's
 * cache policy (the one SecretsCache uses): fresh for the parameter TTL, one GetParameter per name at a time, served
 * stale (flagged) for up to the max-stale bound while SSM fails transiently, retried with jittered backoff and
 * within seconds of SSM's recovery; a permanent failure (a missing parameter) is remembered for its backoff.
 */
import type { Parameter } from '@aws-sdk/client-ssm';
import { type CacheStatus, type Clock, type SecretsError, systemClock } from '@latchkey/sdk';
import {
  KeyedCache,
  KeyedEntry,
  mapUpstreamError,
  PARAMETER_STORE,
  resolveCacheConfig,
} from '@latchkey/sdk/internal';
import { PromCacheMetrics } from '@latchkey/sdk/metrics';
import type { Registry } from 'prom-client';

export interface ParameterRequest {
  /** The name as GetParameter takes it, with its `:version` or `:label` selector if any. */
  readonly name: string;
  readonly withDecryption: boolean;
}

export interface ParameterLookup {
  readonly parameter: Parameter;
  readonly status: CacheStatus;
}

/** What the sidecar needs of the parameter cache. */
export interface ParameterReader {
  lookup(request: ParameterRequest): Promise<ParameterLookup>;
  close(): void;
}

/** One GetParameter call. */
export type FetchParameter = (request: ParameterRequest, signal: AbortSignal) => Promise<Parameter>;

export interface ParameterCacheOptions {
  readonly fetch: FetchParameter;
  /** How long an answer is served without asking SSM again; 0: every read asks (concurrent reads of one name
   * still share one call). */
  readonly ttlMs: number;
  readonly maxEntries: number;
  /** How long past its TTL an answer is still served while SSM fails transiently; 0: never. */
  readonly maxStaleMs: number;
  /** Where reads (hit, miss, stale), entries and GetParameter calls are published, on the SecretsCache's metrics. */
  readonly registry?: Registry;
  /** Called once on close (e.g. to destroy the SSM client). */
  readonly onClose?: () => void;
  /** Time source; tests pass a `ManualClock`. */
  readonly clock?: Clock;
  /** Random numbers in [0, 1) for jitter. Default `Math.random`. */
  readonly random?: () => number;
}

class ParameterEntry extends KeyedEntry<Parameter, ParameterLookup> {
  readonly request: ParameterRequest;

  constructor(key: string, request: ParameterRequest) {
    super(key);
    this.request = request;
  }

  result(status: CacheStatus): ParameterLookup {
    return { parameter: this.value as Parameter, status };
  }
}

export class ParameterCache implements ParameterReader {
  readonly #entries: KeyedCache<ParameterEntry, ParameterLookup>;
  readonly #options: ParameterCacheOptions;
  readonly #metrics: PromCacheMetrics | undefined;
  /** Aborts the calls in flight on close. */
  readonly #closing = new AbortController();

  constructor(options: ParameterCacheOptions) {
    this.#options = options;
    const { ttlMs, maxEntries, maxStaleMs } = options;
    this.#entries = new KeyedCache(resolveCacheConfig({ ttlMs, maxEntries, maxStaleMs }), {
      clock: options.clock ?? systemClock,
      random: options.random ?? Math.random,
    });
    this.#metrics =
      options.registry === undefined ? undefined : new PromCacheMetrics(options.registry, () => this.size);
  }

  async lookup(request: ParameterRequest): Promise<ParameterLookup> {
    // The selector is part of the name; decrypted and undecrypted answers differ for a SecureString.
    const key = `${request.withDecryption ? 'decrypted' : 'plain'}:${request.name}`;
    const entry = this.#entries.entry(key, () => new ParameterEntry(key, request));
    try {
      const result = await this.#entries.read(entry, () => this.#fetch(entry));
      this.#metrics?.request(result.status);
      return result;
    } catch (error) {
      this.#metrics?.request('miss');
      throw error;
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  close(): void {
    this.#entries.close();
    this.#closing.abort(new Error('the parameter cache is closed'));
    this.#metrics?.close();
    this.#options.onClose?.();
  }

  async #fetch(entry: ParameterEntry): Promise<ParameterLookup> {
    const started = performance.now();
    let failure: SecretsError | undefined;
    try {
      entry.value = await this.#options.fetch(entry.request, this.#closing.signal);
      this.#entries.verified(entry);
      return entry.result('miss');
    } catch (thrown) {
      failure = mapUpstreamError(thrown, undefined, PARAMETER_STORE);
      if (this.#entries.failed(entry, failure)) return entry.result('stale');
      throw failure;
    } finally {
      this.#metrics?.upstream('GetParameter', (performance.now() - started) / 1000, failure);
    }
  }
}
