// A fleet of simulated pods on virtual time: each pod's app reads its 20 secrets every few seconds through its
// client (a policy), against one Upstream with AWS's quotas. Records what the apps saw: failed reads (of secrets
// the pod had read before, and of cold ones), refused logins, stale reads, and which version of the fleet-shared
// secret each pod serves.
import type { FleetClient, Policy, Served } from './policies.js';
import { RefusedLogin } from './policies.js';
import { Upstream } from './upstream.js';
import { VirtualClock } from './virtual-clock.js';

export interface FleetOptions {
  /** Pods simulated. */
  readonly clients: number;
  /** Pods they stand for: quotas are scaled by clients / fleetSize and counts multiplied back. Default 10,000. */
  readonly fleetSize?: number;
  readonly secretsPerClient?: number;
  /** How often each app reads each of its secrets. Default 15 s. */
  readonly readIntervalMs?: number;
  readonly tickMs?: number;
  readonly seed?: number;
  /** AWS's quotas multiplied by this (below 1: a fleet over its quotas). Default 1. */
  readonly quotaFactor?: number;
}

/** The secret every pod of the fleet reads (the one a rotation scenario rotates). */
export const SHARED_SECRET = 'shared/database';
/** Pods are grouped in 100 services; a service's pods share its other secrets. */
const SERVICES = 100;

/** A small fast seeded PRNG (mulberry32), so every run of the simulation is the same. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Fleet {
  readonly clock: VirtualClock;
  readonly upstream: Upstream;
  readonly random: () => number;
  readonly size: number;
  readonly fleetSize: number;
  readonly #policy: Policy;
  readonly #readIntervalMs: number;
  readonly #clients: (FleetClient | undefined)[];
  /** A restart bumps a pod's generation, which stops the old process's read loop. */
  readonly #generation: Uint32Array;
  readonly #ids: string[][];
  /** Per pod and secret: read successfully since the pod (re)started. */
  readonly #warm: Uint8Array;
  readonly #warmCount: Uint16Array;
  readonly #sharedVersion: string[];

  failedCached = 0;
  failedCold = 0;
  /** Cold reads that failed although they were made at or after `coldFailuresFrom` (an outage's recovery). */
  failedColdLate = 0;
  coldFailuresFrom = Number.POSITIVE_INFINITY;
  refusedLogins = 0;
  lastStaleAt = Number.NEGATIVE_INFINITY;
  lastFailedAt = Number.NEGATIVE_INFINITY;
  /** Pods that have read all their secrets since they (re)started, and when the last one got there (with no
   * restart still to come). */
  readyPods = 0;
  allReadyAt = Number.NaN;
  #restartsDue = 0;
  /** Apps use the shared secret as database credentials (a rotation checks them); otherwise they only read it. */
  loginChecks = false;
  /** Rotation tracking: pods serving `targetVersion`, and when 99% and 100% of the fleet got there. */
  targetVersion: string | undefined;
  converged = 0;
  converged99At = Number.NaN;
  converged100At = Number.NaN;

  constructor(policy: Policy, options: FleetOptions) {
    const start = Date.UTC(2026, 0, 1);
    this.#policy = policy;
    this.size = options.clients;
    this.fleetSize = options.fleetSize ?? 10_000;
    this.#readIntervalMs = options.readIntervalMs ?? 15_000;
    this.clock = new VirtualClock(start, options.tickMs ?? 50);
    this.random = seededRandom(options.seed ?? 19);
    this.upstream = new Upstream(this.clock, (this.size / this.fleetSize) * (options.quotaFactor ?? 1));
    const perClient = options.secretsPerClient ?? 20;
    const services = Array.from({ length: Math.min(SERVICES, this.size) }, (_, service) => [
      SHARED_SECRET,
      ...Array.from({ length: perClient - 1 }, (_, i) => `service-${service}/secret-${i + 1}`),
    ]);
    this.upstream.create(SHARED_SECRET);
    for (const ids of services) for (const id of ids.slice(1)) this.upstream.create(id);
    this.#ids = Array.from({ length: this.size }, (_, i) => services[i % services.length] as string[]);
    this.#clients = new Array(this.size).fill(undefined);
    this.#generation = new Uint32Array(this.size);
    this.#warm = new Uint8Array(this.size * perClient);
    this.#warmCount = new Uint16Array(this.size);
    this.#sharedVersion = new Array(this.size).fill('');
  }

  get secretsPerClient(): number {
    return (this.#ids[0] as string[]).length;
  }

  /** Starts every pod at a random time within `spreadMs` from now (a rollout). */
  startAll(spreadMs: number, prefetch = false): void {
    for (let i = 0; i < this.size; i++) this.restart(i, this.random() * spreadMs, prefetch);
  }

  /** Restarts pod `index` after `delayMs`: the old process stops, a new one starts with nothing cached. */
  restart(index: number, delayMs: number, prefetch = false): void {
    this.#restartsDue++;
    this.allReadyAt = Number.NaN;
    this.clock.schedule(() => {
      this.#restartsDue--;
      const generation = (this.#generation[index] as number) + 1;
      this.#generation[index] = generation;
      this.#clients[index]?.close();
      const client = this.#policy.create(index, this.upstream, this.clock, this.random);
      this.#clients[index] = client;
      if (this.#warmCount[index] === this.secretsPerClient) this.readyPods--;
      this.#warmCount[index] = 0;
      this.#warm.fill(0, index * this.secretsPerClient, (index + 1) * this.secretsPerClient);
      const begin = () => this.#readLoop(index, generation);
      if (prefetch && client.prefetch !== undefined)
        client.prefetch(this.#ids[index] as string[]).then(begin, begin);
      else begin();
    }, delayMs);
  }

  /** Counts convergence towards `versionId` of the shared secret from now on. */
  trackVersion(versionId: string): void {
    this.targetVersion = versionId;
    this.converged = this.#sharedVersion.filter((version) => version === versionId).length;
    this.converged99At = Number.NaN;
    this.converged100At = Number.NaN;
  }

  #readLoop(index: number, generation: number): void {
    if (this.#generation[index] !== generation) return;
    const client = this.#clients[index] as FleetClient;
    const ids = this.#ids[index] as string[];
    const startedAt = this.clock.now();
    if (this.loginChecks) {
      client
        .useCredentials(SHARED_SECRET, (versionId) => {
          if (this.upstream.revoked.has(versionId)) {
            this.refusedLogins++;
            throw new RefusedLogin('password authentication failed');
          }
        })
        .then(
          (versionId) => this.#served(index, 0, generation, { value: { versionId }, status: 'hit' }),
          () => this.#failed(index, 0, generation, startedAt),
        );
    }
    for (let s = this.loginChecks ? 1 : 0; s < ids.length; s++) {
      const result = client.read(ids[s] as string);
      if (result instanceof Promise) {
        result.then(
          (served) => this.#served(index, s, generation, served),
          () => this.#failed(index, s, generation, startedAt),
        );
      } else this.#served(index, s, generation, result);
    }
    this.clock.schedule(() => this.#readLoop(index, generation), this.#readIntervalMs);
  }

  /** The app got no value for its secret `s`, read at `startedAt`. */
  #failed(index: number, s: number, generation: number, startedAt: number): void {
    if (this.#generation[index] !== generation) return;
    if (this.#warm[index * this.secretsPerClient + s] === 1) this.failedCached++;
    else {
      this.failedCold++;
      if (startedAt >= this.coldFailuresFrom) this.failedColdLate++;
    }
    this.lastFailedAt = this.clock.now();
  }

  #served(index: number, s: number, generation: number, served: Served): void {
    if (this.#generation[index] !== generation) return;
    const slot = index * this.secretsPerClient + s;
    if (s === 0) this.#serveShared(index, served.value.versionId);
    if (served.status === 'stale') {
      this.lastStaleAt = this.clock.now();
    }
    if (this.#warm[slot] === 1) return;
    this.#warm[slot] = 1;
    const ready = ++(this.#warmCount[index] as number) === this.secretsPerClient;
    if (ready && ++this.readyPods === this.size && this.#restartsDue === 0) {
      this.allReadyAt = this.clock.now();
    }
  }

  #serveShared(index: number, versionId: string): void {
    const previous = this.#sharedVersion[index];
    if (previous === versionId) return;
    this.#sharedVersion[index] = versionId;
    if (this.targetVersion === undefined) return;
    if (previous === this.targetVersion) this.converged--;
    if (versionId !== this.targetVersion) return;
    this.converged++;
    if (Number.isNaN(this.converged99At) && this.converged >= 0.99 * this.size)
      this.converged99At = this.clock.now();
    if (Number.isNaN(this.converged100At) && this.converged === this.size)
      this.converged100At = this.clock.now();
  }

  run(durationMs: number): Promise<void> {
    return this.clock.runUntil(this.clock.now() + durationMs);
  }

  resetRecords(): void {
    this.upstream.resetCounters();
    this.failedCached = 0;
    this.failedCold = 0;
    this.failedColdLate = 0;
    this.coldFailuresFrom = Number.POSITIVE_INFINITY;
    this.refusedLogins = 0;
    this.lastStaleAt = Number.NEGATIVE_INFINITY;
    this.lastFailedAt = Number.NEGATIVE_INFINITY;
  }

  close(): void {
    for (const client of this.#clients) client?.close();
    this.#generation.fill(0xffffffff);
  }
}
