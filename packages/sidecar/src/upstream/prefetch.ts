/**
 * Start-up prefetch: load the configured ids (BatchGetSecretValue through the cache) and report readiness.
 * Transient failures are retried with the SDK's jittered backoff; after a throttle (a fleet starting together can
 * reach BatchGetSecretValue's 100 calls a second per account), with the SDK's throttle hold instead: a random delay
 * below a bound that doubles with each attempt, so the sidecars of a deploy spread their retries out. A permanent
 * error (not found, access denied) is reported in /ready and not retried, so a typo does not hammer the upstream.
 */
import { type Clock, isTransient, systemClock, ThrottledError, type TimerHandle } from '@latchkey/sdk';
import { backoffDelay, throttleHold } from '@latchkey/sdk/internal';
import type { Logger } from '../logger.js';
import type { SecretReader } from './readers.js';

export interface PrefetchStatus {
  readonly done: boolean;
  readonly loaded: number;
  readonly pending: number;
  readonly failed: readonly { readonly secretId: string; readonly error: string }[];
}

export interface PrefetchTiming {
  /** Longest wait between attempts. Default 30 s. */
  readonly maxDelayMs?: number;
  readonly clock?: Clock;
  readonly random?: () => number;
}

export class Prefetcher {
  private pending: string[];
  private loaded = 0;
  private readonly failed: { secretId: string; error: string }[] = [];
  private stopped = false;
  private timer: TimerHandle | undefined;
  private wake: (() => void) | undefined;
  readonly finished: Promise<void>;

  constructor(
    reader: SecretReader,
    secretIds: readonly string[],
    logger: Logger,
    timing: PrefetchTiming = {},
  ) {
    this.pending = [...new Set(secretIds)];
    this.finished = this.run(reader, logger, timing);
  }

  get status(): PrefetchStatus {
    return {
      done: this.pending.length === 0,
      loaded: this.loaded,
      pending: this.pending.length,
      failed: this.failed,
    };
  }

  private async run(reader: SecretReader, logger: Logger, timing: PrefetchTiming): Promise<void> {
    const { maxDelayMs = 30_000, clock = systemClock, random = Math.random } = timing;
    const backoff = { baseMs: 250, factor: 2, maxMs: maxDelayMs, jitter: 0.5 };
    let attempts = 0;
    while (this.pending.length > 0 && !this.stopped) {
      const retry: string[] = [];
      let throttled = false;
      try {
        for (const item of await reader.prefetch(this.pending)) {
          if (item.value !== undefined) this.loaded++;
          else if (isTransient(item.error)) {
            retry.push(item.secretId);
            throttled ||= item.error instanceof ThrottledError;
          } else {
            this.failed.push({ secretId: item.secretId, error: item.error.name });
            logger.error({ secretId: item.secretId, err: item.error }, 'prefetch failed permanently');
          }
        }
      } catch (error) {
        logger.warn({ err: error }, 'prefetch failed; retrying');
        retry.push(...this.pending);
        throttled = error instanceof ThrottledError;
      }
      this.pending = retry;
      if (retry.length === 0 || this.stopped) break;
      attempts++;
      const delay = throttled
        ? Math.min(maxDelayMs, throttleHold(attempts, random))
        : backoffDelay(backoff, attempts, random);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = clock.schedule(resolve, delay, true);
      });
    }
    if (this.pending.length === 0)
      logger.info({ loaded: this.loaded, failed: this.failed.length }, 'prefetch complete');
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.wake?.();
  }
}
