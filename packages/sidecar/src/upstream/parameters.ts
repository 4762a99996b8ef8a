/**
 * Parameter Store parameters for the Lambda extension's `/systemsmanager/parameters/get` route: GetParameter answers
 * kept for the parameter TTL in an lru-cache, which also makes concurrent misses of one name a single call. While
 * SSM fails transiently, a parameter past its TTL is served (flagged stale) for up to the max-stale bound, and SSM
 * is asked again every STALE_RETRY_MS rather than once per TTL.
 */
import type { Parameter } from '@aws-sdk/client-ssm';
import { mapUpstreamError, PromCacheMetrics, type SecretsError } from '@latchkey/sdk';
import { LRUCache } from 'lru-cache';
import type { Registry } from 'prom-client';

export interface ParameterRequest {
  /** The name as GetParameter takes it, with its `:version` or `:label` selector if any. */
  readonly name: string;
  readonly withDecryption: boolean;
}

export interface ParameterLookup {
  readonly parameter: Parameter;
  readonly status: 'hit' | 'miss' | 'stale';
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
  /** How long an answer is served without asking SSM again; 0 keeps nothing (concurrent reads of one name still
   * share one call). */
  readonly ttlMs: number;
  readonly maxEntries: number;
  /** How long past its TTL an answer is still served while SSM fails transiently; 0: never. */
  readonly maxStaleMs: number;
  /** Where reads (hit, miss, stale), entries and GetParameter calls are published, on the SecretsCache's metrics. */
  readonly registry?: Registry;
  /** Called once on close (e.g. to destroy the SSM client). */
  readonly onClose?: () => void;
  /** Milliseconds, monotonic; `performance.now` by default. */
  readonly now?: () => number;
}

/** While serving stale, SSM is asked again after this long. */
export const STALE_RETRY_MS = 1000;

interface Fetched {
  readonly parameter: Parameter;
  /** When SSM last answered for it; kept while the answer is served stale. */
  readonly fetchedAt: number;
  readonly stale: boolean;
}

export class ParameterCache implements ParameterReader {
  private readonly cache: LRUCache<string, Fetched, ParameterRequest>;
  private readonly options: ParameterCacheOptions;
  private readonly metrics: PromCacheMetrics | undefined;
  private readonly now: () => number;

  constructor(options: ParameterCacheOptions) {
    this.options = options;
    const now = options.now ?? (() => performance.now());
    this.now = now;
    this.metrics =
      options.registry === undefined ? undefined : new PromCacheMetrics(options.registry, () => this.size);
    this.cache = new LRUCache<string, Fetched, ParameterRequest>({
      max: options.maxEntries,
      // lru-cache's ttl 0 means "no expiry"; a disabled cache instead drops each answer once it is handed out.
      ...(options.ttlMs > 0 ? { ttl: options.ttlMs } : {}),
      perf: { now },
      // Expiry is checked against `now` on every read, not a clock reading cached for a millisecond.
      ttlResolution: 0,
      fetchMethod: (_key, stale, { signal, options: setOptions, context }) =>
        this.fetch(context, signal, stale, setOptions),
    });
  }

  async lookup(request: ParameterRequest): Promise<ParameterLookup> {
    // The selector is part of the name; decrypted and undecrypted answers differ for a SecureString.
    const key = `${request.withDecryption ? 'decrypted' : 'plain'}:${request.name}`;
    const status: LRUCache.Status<string, Fetched, ParameterRequest> = {};
    const fetched = await this.cache.fetch(key, { context: request, status });
    if (fetched === undefined) throw new Error('parameter fetch aborted');
    if (this.options.ttlMs === 0) this.cache.delete(key);
    const result = fetched.stale ? 'stale' : status.fetch === 'hit' ? 'hit' : 'miss';
    this.metrics?.request(result);
    return { parameter: fetched.parameter, status: result };
  }

  get size(): number {
    return this.cache.size;
  }

  close(): void {
    this.cache.clear();
    this.metrics?.close();
    this.options.onClose?.();
  }

  private async fetch(
    request: ParameterRequest,
    signal: AbortSignal,
    stale: Fetched | undefined,
    setOptions: { ttl?: number },
  ): Promise<Fetched> {
    const started = this.now();
    let failure: SecretsError | undefined;
    try {
      const parameter = await this.options.fetch(request, signal);
      return { parameter, fetchedAt: this.now(), stale: false };
    } catch (thrown) {
      failure = mapUpstreamError(thrown, undefined);
      if (stale !== undefined && this.servableStale(stale, failure)) {
        // Kept with its first fetch time, so the bound holds across retries; asked again soon, not after a TTL.
        setOptions.ttl = STALE_RETRY_MS;
        return { ...stale, stale: true };
      }
      throw failure;
    } finally {
      this.metrics?.upstream('GetParameter', (this.now() - started) / 1000, failure);
    }
  }

  private servableStale(stale: Fetched, failure: SecretsError): boolean {
    const { ttlMs, maxStaleMs } = this.options;
    return failure.transient && ttlMs > 0 && this.now() - stale.fetchedAt <= ttlMs + maxStaleMs;
  }
}
