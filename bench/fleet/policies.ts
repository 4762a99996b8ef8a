// The clients of the simulated fleet: Latchkey (real SecretsCache instances, half with the SDK's defaults, half
// with the sidecar's) and models of two other refresh policies built from their documented behaviour: the AWS
// Secrets Manager Agent and Powertools Parameters. Each client has its own AWS SDK client (retries included).
import { type CacheLookup, SecretsCache, withSecret } from '@latchkey/sdk';
import { FleetSource, SdkClient, type Upstream } from './upstream.js';
import type { VirtualClock } from './virtual-clock.js';

/** What an app read returns: the version served and how. */
export type Served = Pick<CacheLookup, 'status'> & { readonly value: { readonly versionId: string } };

/** One pod's secret client, as its app uses it. */
export interface FleetClient {
  /** A read; a warm hit answers synchronously. Rejects when the app gets no value. */
  read(secretId: string): Served | Promise<Served>;
  /** Uses the secret as database credentials: `login` throws when they are refused, and the client does what it
   * does about that (Latchkey: `withSecret`; the models: a forced refetch). Resolves with the version that worked. */
  useCredentials(secretId: string, login: (versionId: string) => void): Promise<string>;
  /** Start-up prefetch, for clients that have one. */
  prefetch?(secretIds: readonly string[]): Promise<void>;
  close(): void;
}

export interface Policy {
  readonly name: string;
  readonly hasPrefetch: boolean;
  create(index: number, upstream: Upstream, clock: VirtualClock, random: () => number): FleetClient;
}

class LatchkeyClient implements FleetClient {
  constructor(readonly cache: SecretsCache) {}

  read(secretId: string): Served | Promise<Served> {
    return this.cache.peek(secretId) ?? this.cache.lookup(secretId);
  }

  useCredentials(secretId: string, login: (versionId: string) => void): Promise<string> {
    return withSecret(
      this.cache,
      secretId,
      (secret) => {
        login(secret.versionId);
        return secret.versionId;
      },
      { isAuthError: (error) => error instanceof RefusedLogin },
    );
  }

  async prefetch(secretIds: readonly string[]): Promise<void> {
    await this.cache.prefetch(secretIds);
  }

  close(): void {
    void this.cache.close();
  }
}

/** What `login` throws when the database refuses the credentials. */
export class RefusedLogin extends Error {}

/** The sidecar's defaults for its cache (packages/sidecar config: ttl_seconds 300, max_stale_seconds 900,
 * refresh_ahead on, cache_size 1000). */
const SIDECAR_DEFAULTS = { ttlMs: 300_000, maxStaleMs: 900_000, refreshAhead: 0.2, maxEntries: 1000 };

export const latchkey: Policy = {
  name: 'Latchkey',
  hasPrefetch: true,
  create(index, upstream, clock, random) {
    const source = new FleetSource(upstream, new SdkClient(upstream, clock, random));
    // Half the fleet are sidecars, half apps with the SDK in process. maxEntries is sized to the pod's 20 secrets
    // (nothing is evicted either way): the default 1000 preallocates lru-cache's arrays, in every one of 10,000
    // caches and again at each restart, and the collector's work on them would dominate the run.
    const settings = index % 2 === 0 ? {} : SIDECAR_DEFAULTS;
    return new LatchkeyClient(new SecretsCache({ ...settings, maxEntries: 32, source, clock, random }));
  },
};

interface ModelEntry {
  versionId: string;
  expiresAt: number;
}

const served = (versionId: string, status: Served['status']): Served => ({ value: { versionId }, status });

/**
 * What both models share: entries kept for `maxAgeMs`, a hit while one is fresh, a GetSecretValue that stores a
 * fresh one, and the app's retry after a refused login (refetch once, log in again). Each model says what a read
 * of an expired or missing entry does.
 */
abstract class ModelClient implements FleetClient {
  protected readonly entries = new Map<string, ModelEntry>();

  constructor(
    protected readonly upstream: Upstream,
    protected readonly client: SdkClient,
    protected readonly clock: VirtualClock,
    protected readonly maxAgeMs: number,
  ) {}

  read(secretId: string): Served | Promise<Served> {
    const entry = this.entries.get(secretId);
    if (entry !== undefined && this.clock.now() < entry.expiresAt) return served(entry.versionId, 'hit');
    return this.expired(secretId, entry);
  }

  protected abstract expired(secretId: string, entry: ModelEntry | undefined): Promise<Served>;

  protected async fetch(secretId: string): Promise<string> {
    const value = await this.client.send('GetSecretValue', () => this.upstream.getValue({ secretId }));
    this.entries.set(secretId, { versionId: value.versionId, expiresAt: this.clock.now() + this.maxAgeMs });
    return value.versionId;
  }

  async useCredentials(secretId: string, login: (versionId: string) => void): Promise<string> {
    const { versionId } = (await this.read(secretId)).value;
    try {
      login(versionId);
      return versionId;
    } catch (error) {
      if (!(error instanceof RefusedLogin)) throw error;
      const refetched = await this.fetch(secretId);
      login(refetched);
      return refetched;
    }
  }

  close(): void {}
}

/**
 * A MODEL of the AWS Secrets Manager Agent's cache, from its documentation: TTL 300 s with no jitter; a read after
 * expiry sends DescribeSecret, then GetSecretValue only when the version changed; every read of an expired entry
 * goes upstream itself (no coalescing, no backoff); on a transient error the old value is served, however old.
 * `refreshNow=true` (what an app does after a refused login) is a GetSecretValue.
 */
class AgentModel extends ModelClient {
  protected async expired(secretId: string, entry: ModelEntry | undefined): Promise<Served> {
    try {
      if (entry !== undefined) {
        const description = await this.client.send('DescribeSecret', () => this.upstream.describe(secretId));
        if (description.versionIdsToStages?.[entry.versionId]?.includes('AWSCURRENT')) {
          entry.expiresAt = this.clock.now() + this.maxAgeMs;
          return served(entry.versionId, 'hit');
        }
      }
      return served(await this.fetch(secretId), 'miss');
    } catch (error) {
      if (entry !== undefined && (error as { transient?: boolean }).transient === true) {
        return served(entry.versionId, 'stale');
      }
      throw error;
    }
  }
}

/**
 * A MODEL of Powertools Parameters' `getSecret` with its defaults, from its documentation and source: maxAge 5 s;
 * an expired entry is fetched again with GetSecretValue by every caller (no coalescing); a failed fetch throws
 * (no stale value); `forceFetch` after a refused login is a GetSecretValue.
 */
class PowertoolsModel extends ModelClient {
  protected async expired(secretId: string): Promise<Served> {
    return served(await this.fetch(secretId), 'miss');
  }
}

function modelPolicy(
  name: string,
  Model: new (upstream: Upstream, client: SdkClient, clock: VirtualClock, maxAgeMs: number) => ModelClient,
  maxAgeMs: number,
): Policy {
  return {
    name,
    hasPrefetch: false,
    create: (_index, upstream, clock, random) =>
      new Model(upstream, new SdkClient(upstream, clock, random), clock, maxAgeMs),
  };
}

export const agentModel = modelPolicy('Agent (model)', AgentModel, 300_000);
export const powertoolsModel = modelPolicy('Powertools (model)', PowertoolsModel, 5_000);
