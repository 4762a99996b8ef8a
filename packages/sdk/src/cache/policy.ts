/**
 * When a key in error may call the upstream again: its own jittered exponential backoff, shortened by what the
 * cache knows of the upstream as a whole. A transient failure of one key is usually an outage of the upstream, so
 * the cache keeps one call every couple of seconds going while the upstream fails (a probe), and the first answer
 * ends the backoff of every key that failed transiently, each after its own random delay. After an outage of any
 * length, every key is read again within seconds of the upstream answering, without the keys (or a fleet of caches)
 * calling it at the same instant.
 */
import type { SecretsError } from '../errors.js';
import type { CacheConfig } from './options.js';

/** While the upstream fails, one call goes ahead at most this often (jittered down to half), whatever the keys'
 * backoff says. */
export const PROBE_INTERVAL_MS = 2_000;
/** After a recovery, each key in backoff waits a random delay below this before its retry. */
export const RECOVERY_SPREAD_MS = 2_000;

/** Delay before retry number `failures` (1-based): min(max, base × factor^(failures−1)), jittered down by up to
 * `jitter` of itself. Computed in floating point and capped, so it can neither overflow nor go negative. */
export function backoffDelay(
  backoff: CacheConfig['backoff'],
  failures: number,
  random: () => number,
): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 64);
  const delay = Math.min(backoff.maxMs, backoff.baseMs * backoff.factor ** exponent);
  return delay * (1 - backoff.jitter * random());
}

/** What the policy remembers of a key's failures. */
export interface FailureState {
  /** The last upstream error, until a success clears it. */
  error: SecretsError | undefined;
  failures: number;
  /** No upstream call for this key before this time, unless the upstream's recovery or a probe allows one. */
  retryAt: number;
  /** How long after a recovery this key retries (drawn at its failure). */
  recoveryDelay: number;
}

/** The cache's view of its upstream, from the outcome of every call of every key. */
export class UpstreamHealth {
  readonly #random: () => number;
  /** The last call failed transiently. */
  #down = false;
  #recoveredAt = Number.NEGATIVE_INFINITY;
  #probeAt = 0;

  constructor(random: () => number) {
    this.#random = random;
  }

  /** Records a failure of `state`'s key at `now` and sets its backoff. A permanent error is an answer: the caller
   * reports it through `answered` too. */
  failed(state: FailureState, error: SecretsError, backoff: CacheConfig['backoff'], now: number): void {
    state.error = error;
    state.failures += 1;
    state.retryAt = now + backoffDelay(backoff, state.failures, this.#random);
    state.recoveryDelay = this.#random() * RECOVERY_SPREAD_MS;
    if (error.transient) {
      this.#down = true;
      this.#probeAt = now + this.#probeDelay();
    }
  }

  /** The last call failed transiently: the upstream is taken to be down until something answers. */
  get down(): boolean {
    return this.#down;
  }

  /** Records an answer from the upstream (a value, or a permanent error); true when it ends an outage. */
  answered(now: number): boolean {
    if (!this.#down) return false;
    this.#down = false;
    this.#recoveredAt = now;
    return true;
  }

  /** Whether the key may call the upstream now. Claims the probe when it is the key's only way to, so the caller
   * must then make the call. */
  mayCall(state: FailureState, now: number): boolean {
    if (state.error === undefined || now >= state.retryAt) return true;
    if (!state.error.transient) return false; // remembered for its backoff
    // Every transient failure marks the upstream down, so an upstream that is up again has answered since.
    if (!this.#down) return now >= this.#recoveredAt + state.recoveryDelay;
    if (now < this.#probeAt) return false;
    this.#probeAt = now + this.#probeDelay();
    return true;
  }

  /** The earliest time `mayCall` may allow the key a call. */
  nextCallAt(state: FailureState): number {
    if (state.error === undefined || !state.error.transient) return state.retryAt;
    return Math.min(state.retryAt, this.#down ? this.#probeAt : this.#recoveredAt + state.recoveryDelay);
  }

  #probeDelay(): number {
    return PROBE_INTERVAL_MS * (1 - 0.5 * this.#random());
  }
}
