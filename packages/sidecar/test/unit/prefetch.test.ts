/** The start-up prefetch's retries: a throttle waits the SDK's throttle hold (a random share of a doubling bound),
 * other transient failures the short backoff. */
import { ManualClock, ThrottledError, UpstreamUnavailableError } from '@latchkey/sdk';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Prefetcher } from '../../src/upstream/prefetch.js';
import { FakeReader, secretValue } from '../support/fake-reader.js';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A prefetch of one secret whose first attempt fails with `error`; returns what a test needs to step it. */
async function failingOnce(error: Error) {
  const reader = new FakeReader();
  reader.failWith = error;
  const clock = new ManualClock();
  const prefetcher = new Prefetcher(reader, ['db'], pino({ level: 'silent' }), { clock, random: () => 0.9 });
  await settle();
  expect(reader.calls).toHaveLength(1);
  reader.failWith = undefined;
  reader.put(secretValue('db', 'one'));
  /** Moves the clock `ms` on; returns the reads made so far. */
  const after = async (ms: number) => {
    clock.advance(ms);
    await settle();
    return reader.calls.length;
  };
  return { prefetcher, after };
}

describe('Prefetcher retries', () => {
  it('after a throttle waits the throttle hold (here 0.9 of 1 s), not the 250 ms backoff', async () => {
    const { prefetcher, after } = await failingOnce(
      new ThrottledError('Rate exceeded', { upstreamCode: 'ThrottlingException', httpStatus: 400 }),
    );
    expect(await after(500)).toBe(1);
    expect(await after(400)).toBe(2);
    await prefetcher.finished;
    expect(prefetcher.status).toMatchObject({ done: true, loaded: 1 });
  });

  it('after another transient failure retries within the backoff (250 ms, jittered down)', async () => {
    const { prefetcher, after } = await failingOnce(
      new UpstreamUnavailableError('connect ECONNREFUSED', 'network'),
    );
    expect(await after(250)).toBe(2);
    await prefetcher.finished;
    expect(prefetcher.status).toMatchObject({ done: true, loaded: 1 });
  });
});
