/**
 * Start-up prefetch: load the configured ids (BatchGetSecretValue through the cache) and report readiness.
 * Transient failures are retried with the SDK's jittered backoff; a permanent error (not found, access denied)
 * is reported in /ready and not retried, so a typo does not hammer the upstream.
 */
import { isTransient } from '@latchkey/sdk';
import { backoffDelay } from '@latchkey/sdk/internal';
import type { Logger } from '../logger.js';
import type { SecretReader } from './readers.js';

export interface PrefetchStatus {
  readonly done: boolean;
  readonly loaded: number;
  readonly pending: number;
  readonly failed: readonly { readonly secretId: string; readonly error: string }[];
}

export class Prefetcher {
  private pending: string[];
  private loaded = 0;
  private readonly failed: { secretId: string; error: string }[] = [];
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  readonly finished: Promise<void>;

  constructor(reader: SecretReader, secretIds: readonly string[], logger: Logger, maxDelayMs = 30_000) {
    this.pending = [...new Set(secretIds)];
    this.finished = this.run(reader, logger, maxDelayMs);
  }

  get status(): PrefetchStatus {
    return {
      done: this.pending.length === 0,
      loaded: this.loaded,
      pending: this.pending.length,
      failed: this.failed,
    };
  }

  private async run(reader: SecretReader, logger: Logger, maxDelayMs: number): Promise<void> {
    const backoff = { baseMs: 250, factor: 2, maxMs: maxDelayMs, jitter: 0.5 };
    let attempts = 0;
    while (this.pending.length > 0 && !this.stopped) {
      const retry: string[] = [];
      try {
        for (const item of await reader.prefetch(this.pending)) {
          if (item.value !== undefined) this.loaded++;
          else if (isTransient(item.error)) retry.push(item.secretId);
          else {
            this.failed.push({ secretId: item.secretId, error: item.error.name });
            logger.error({ secretId: item.secretId, err: item.error }, 'prefetch failed permanently');
          }
        }
      } catch (error) {
        logger.warn({ err: error }, 'prefetch failed; retrying');
        retry.push(...this.pending);
      }
      this.pending = retry;
      if (retry.length === 0 || this.stopped) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, backoffDelay(backoff, ++attempts, Math.random));
      });
    }
    if (this.pending.length === 0)
      logger.info({ loaded: this.loaded, failed: this.failed.length }, 'prefetch complete');
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
  }
}
