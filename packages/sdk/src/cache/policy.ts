/**
 * When a key in error may call the upstream again: its own jittered exponential backoff, overruled by what the
 * cache knows of the upstream as a whole. A transient failure of one key is usually an outage of the upstream, so
 * while the upstream fails the cache makes one call every couple of seconds (a probe) in place of every key's own
 * retries, and the first answer ends the backoff of every key that failed transiently, each after its own random
 * delay. After an outage of any length, every key is read again within seconds of the upstream answering, without
 * the keys (or a fleet of caches) calling it at the same instant.
 *
 * A throttle is not an outage: the upstream answered, and asks every client of the account to slow down. Every call
 * that can wait (background refreshes, retries of keys) then holds off for a delay drawn at random below a bound that
 * doubles with each throttle since the last success (1 s, 2 s, 4 s ... 60 s): a fleet that hit a quota together
 * spreads its next calls over the whole bound instead of coming back in step.
 */
import { type SecretsError, ThrottledError } from '../errors.js';
import type { CacheConfig } from './options.js';

/** While the upstream fails, one call goes ahead at most this often (jittered down to half), whatever the keys'
 * backoff says. */
export const PROBE_INTERVAL_MS = 2_000;
/** After a recovery, each key in backoff waits a random delay below this before its retry. Every cache of a busy
 * fleet sees the recovery within a probe interval, so the fleet's retries come at about pods × keys ÷ 10 s. */
export const RECOVERY_SPREAD_MS = 10_000;
/** After n throttles since the last success, calls that can wait hold off a random time below
 * min(maxMs, baseMs × 2^(n−1)). */
export const THROTTLE_HOLD = { baseMs: 1_000, maxMs: 60_000 } as const;

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

/** How long calls hold off after the `throttles`-th throttle since the last success: uniform in [0, bound). */
export function throttleHold(throttles: number, random: () => number): number {
  const exponent = Math.min(Math.max(throttles - 1, 0), 64);
  return Math.min(THROTTLE_HOLD.maxMs, THROTTLE_HOLD.baseMs * 2 ** exponent) * random();
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

/** The key's last call failed transiently, and not for a throttle: the upstream was down. */
function failedInOutage(state: FailureState): boolean {
  return state.error?.transient === true && !(state.error instanceof ThrottledError);
}

/** The cache's view of its upstream, from the outcome of every call of every key. */
export class UpstreamHealth {
  readonly #random: () => number;
  /** The last call failed transiently (not a throttle): the upstream is taken to be down until something answers. */
  #down = false;
  #recoveredAt = Number.NEGATIVE_INFINITY;
  #probeAt = 0;
  /** Throttles since the last success, and until when calls that can wait hold off. */
  #throttles = 0;
  #holdUntil = Number.NEGATIVE_INFINITY;

  constructor(random: () => number) {
    this.#random = random;
  }

  /** Records a failure of `state`'s key at `now` and sets its backoff. A permanent error or a throttle is an answer:
   * the caller reports it through `answered` too. */
  failed(state: FailureState, error: SecretsError, backoff: CacheConfig['backoff'], now: number): void {
    state.error = error;
    state.failures += 1;
    state.retryAt = now + backoffDelay(backoff, state.failures, this.#random);
    state.recoveryDelay = this.#random() * RECOVERY_SPREAD_MS;
    if (error instanceof ThrottledError) {
      this.#throttles += 1;
      this.#holdUntil = Math.max(this.#holdUntil, now + throttleHold(this.#throttles, this.#random));
    } else if (error.transient) {
      this.#down = true;
      this.#probeAt = now + this.#probeDelay();
    }
  }

  /** The last call failed transiently: the upstream is taken to be down until something answers. */
  get down(): boolean {
    return this.#down;
  }

  /** Records an answer from the upstream (a value, a permanent error, a throttle); true when it ends an outage. */
  answered(now: number): boolean {
    if (!this.#down) return false;
    this.#down = false;
    this.#recoveredAt = now;
    return true;
  }

  /** Records a successful call: the next throttle's hold starts small again. True when it ends an outage. */
  succeeded(now: number): boolean {
    this.#throttles = 0;
    return this.answered(now);
  }

  /** The upstream throttled recently: calls that can wait hold off until the hold ends. */
  holding(now: number): boolean {
    return now < this.#holdUntil;
  }

  /** Whether the key may call the upstream now. Claims the probe when it is the key's only way to, so the caller
   * must then make the call. */
  mayCall(state: FailureState, now: number): boolean {
    if (now < this.#holdUntil) return false;
    if (!failedInOutage(state)) return state.error === undefined || now >= state.retryAt;
    // Every transient failure marks the upstream down, so an upstream that is up again has answered since: the key
    // retries at its own delay after that answer (its backoff, not run while the upstream was down, says nothing).
    if (!this.#down) return now >= this.#recoveredAt + state.recoveryDelay;
    // While it is down, only the probe calls: a key's own backoff ending says nothing the probe does not, and the
    // keys of 10,000 caches retrying on their own would load an upstream that is coming back.
    if (now < this.#probeAt) return false;
    this.#probeAt = now + this.#probeDelay();
    return true;
  }

  /** The earliest time `mayCall` may allow the key a call. */
  nextCallAt(state: FailureState): number {
    let at = state.retryAt;
    if (failedInOutage(state)) {
      at = this.#down ? this.#probeAt : this.#recoveredAt + state.recoveryDelay;
    }
    return Math.max(at, this.#holdUntil);
  }

  #probeDelay(): number {
    return PROBE_INTERVAL_MS * (1 - 0.5 * this.#random());
  }
}
