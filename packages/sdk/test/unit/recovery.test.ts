import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import {
  type AwsSource,
  type BatchItem,
  ManualClock,
  type SecretRequest,
  type SecretSource,
  SecretsCache,
  type SecretsCacheOptions,
} from '@latchkey/sdk';
import { describe, expect, it } from 'vitest';
import { admin, emu, emulatorSource, uniqueName, useEmulator } from '../support/emulator.js';
import { seededRandom } from '../support/random.js';
import { settle } from '../support/stub-source.js';

/** A long upstream outage on the emulator (fault injection), on a manual clock, then recovery. */
useEmulator();

/** A source that knows when none of its calls is in flight, so a test on a manual clock can wait for the background
 * refreshes a step started before taking the next one. */
class TrackedSource implements SecretSource {
  readonly #inner: AwsSource;
  #pending = 0;
  #idle: (() => void)[] = [];

  constructor(inner: AwsSource) {
    this.#inner = inner;
  }

  getSecretValue(request: SecretRequest) {
    return this.#track(this.#inner.getSecretValue(request));
  }

  describeSecret(secretId: string) {
    return this.#track(this.#inner.describeSecret(secretId));
  }

  batchGetSecretValue(secretIds: readonly string[]): Promise<BatchItem[]> {
    return this.#track(this.#inner.batchGetSecretValue(secretIds));
  }

  close(): void {
    this.#inner.close();
  }

  /** Resolves once no call is in flight and the cache has handled the last outcome. */
  async idle(): Promise<void> {
    while (this.#pending > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
    await settle();
  }

  async #track<T>(call: Promise<T>): Promise<T> {
    this.#pending++;
    try {
      return await call;
    } finally {
      this.#pending--;
      if (this.#pending === 0) for (const wake of this.#idle.splice(0)) wake();
    }
  }
}

async function cacheWithSecrets(count: number, options: SecretsCacheOptions) {
  const names = await Promise.all(
    Array.from({ length: count }, async () => {
      const name = uniqueName('recovery');
      await admin.send(new CreateSecretCommand({ Name: name, SecretString: `value of ${name}` }));
      return name;
    }),
  );
  const clock = new ManualClock(Date.now());
  const source = new TrackedSource(emulatorSource());
  const cache = new SecretsCache({ source, clock, random: seededRandom(7), refreshAhead: 0, ...options });
  for (const name of names) await cache.get(name);
  return { names, clock, source, cache };
}

/** Reads every secret once; true for each one served fresh (not stale, no error). A read with nothing to serve
 * waits for the cache's next probe while the upstream is down, so the clock moves on (100 ms at a time, once the
 * calls in flight are done) until every read is answered. */
async function readAll(
  cache: SecretsCache,
  names: readonly string[],
  clock: ManualClock,
  source: TrackedSource,
): Promise<boolean[]> {
  let done = false;
  const reads = Promise.all(
    names.map((name) =>
      cache.get(name).then(
        (secret) => !secret.stale,
        () => false,
      ),
    ),
  ).finally(() => {
    done = true;
  });
  await source.idle();
  while (!done) {
    clock.advance(100);
    await source.idle();
  }
  return reads;
}

describe('recovery after an upstream outage', () => {
  it.each([
    ['inside the stale window (served stale during the outage)', { ttl: '5m', maxStale: '15m' }],
    ['past the stale window (failing during the outage)', { ttl: '1m', maxStale: '5m' }],
  ] as const)('after a 10-minute outage every cached secret is fresh within 12 s: %s', async (_, options) => {
    const { names, clock, source, cache } = await cacheWithSecrets(20, options);
    const fault = emu.faults.inject({ kind: 'internal-error' });
    try {
      const outageEnds = clock.now() + 600_000;
      while (clock.now() < outageEnds) {
        clock.advance(1_000);
        await readAll(cache, names, clock, source);
      }
      expect(await readAll(cache, names, clock, source)).not.toContain(true);
    } finally {
      emu.faults.clear(fault);
    }
    // The next probe (within 2 s), then each key's refresh within the recovery spread (10 s).
    const recoveredAt = clock.now();
    const freshSince = new Map<string, number>();
    while (clock.now() - recoveredAt < 12_000) {
      clock.advance(250);
      const fresh = await readAll(cache, names, clock, source);
      names.forEach((name, i) => {
        if (fresh[i] === true && !freshSince.has(name)) freshSince.set(name, clock.now() - recoveredAt);
      });
    }
    expect(names.filter((name) => !freshSince.has(name))).toEqual([]);
    await cache.close();
  });
});
