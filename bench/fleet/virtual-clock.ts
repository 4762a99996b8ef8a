// Virtual time for the fleet simulation: the SDK's `Clock` with a binary heap of timers (ManualClock scans all of
// them per step, too slow for 200,000 entries). Time moves in ticks; after each tick's timers run, the microtask
// queue is drained, so promise chains started by a timer finish at the same virtual instant.
import type { Clock, TimerHandle } from '@latchkey/sdk';

/** A scheduled callback, and its own handle (a closure per timer would cost more than the timer). */
class Timer implements TimerHandle {
  constructor(
    readonly at: number,
    readonly seq: number,
    public callback: (() => void) | undefined,
  ) {}

  cancel(): void {
    this.callback = undefined;
  }
}

const drain = () => new Promise<void>((resolve) => setImmediate(resolve));

export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #heap: Timer[] = [];
  readonly #tickMs: number;

  /** `tickMs`: the time resolution; a timer fires at the first tick boundary at or after its due time. */
  constructor(startMs: number, tickMs: number) {
    this.#now = startMs;
    this.#tickMs = tickMs;
  }

  now(): number {
    return this.#now;
  }

  schedule(callback: () => void, delayMs: number): TimerHandle {
    const due = this.#now + Math.max(0, delayMs);
    const timer = new Timer(Math.ceil(due / this.#tickMs) * this.#tickMs, this.#seq++, callback);
    this.#push(timer);
    return timer;
  }

  /** Runs every timer due up to `untilMs`, tick by tick, letting promise chains settle after each tick. */
  async runUntil(untilMs: number): Promise<void> {
    await drain();
    for (;;) {
      const next = this.#heap[0];
      if (next === undefined || next.at > untilMs) break;
      this.#now = next.at;
      // Timers added for this same tick while it runs (a zero delay) run in this loop too.
      while (this.#heap[0] !== undefined && (this.#heap[0] as Timer).at <= this.#now) {
        (this.#pop().callback as (() => void) | undefined)?.();
      }
      await drain();
    }
    this.#now = Math.max(this.#now, untilMs);
  }

  #push(timer: Timer): void {
    const heap = this.#heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(timer, heap[parent] as Timer)) break;
      heap[i] = heap[parent] as Timer;
      i = parent;
    }
    heap[i] = timer;
  }

  #pop(): Timer {
    const heap = this.#heap;
    const top = heap[0] as Timer;
    const last = heap.pop() as Timer;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && before(heap[right] as Timer, heap[left] as Timer) ? right : left;
        if (!before(heap[child] as Timer, last)) break;
        heap[i] = heap[child] as Timer;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
