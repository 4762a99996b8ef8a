/** A scheduled callback that can be cancelled. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * Time as the cache sees it. The default reads `Date.now()` and uses unref'd timers (a cache never keeps a
 * process alive); tests pass a `ManualClock` so that every TTL, backoff and rotation rule is checked without sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `callback` after `delayMs`. `keepAlive`: a caller waits on it, so the timer keeps the process alive. */
  schedule(callback: () => void, delayMs: number, keepAlive?: boolean): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(callback, delayMs, keepAlive = false) {
    const timer = setTimeout(callback, delayMs);
    if (!keepAlive) timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

interface PendingTimer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/** A clock that moves only when told to; `advance` runs the timers that fall due, in order. */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers = new Set<PendingTimer>();

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  schedule(callback: () => void, delayMs: number): TimerHandle {
    const timer: PendingTimer = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, callback };
    this.#timers.add(timer);
    return { cancel: () => this.#timers.delete(timer) };
  }

  /** Moves time forward by `ms`, firing due timers one by one at their own time. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: PendingTimer | undefined;
      for (const timer of this.#timers) {
        if (
          timer.at <= target &&
          (next === undefined || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))
        ) {
          next = timer;
        }
      }
      if (next === undefined) break;
      this.#timers.delete(next);
      this.#now = next.at;
      next.callback();
    }
    this.#now = target;
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.size;
  }
}
