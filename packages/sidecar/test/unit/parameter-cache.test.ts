/** The Parameter Store cache, on the SDK's cache policy: TTL, one call for concurrent misses, bounded stale serving
 * with backoff, remembered permanent failures, errors that name Parameter Store. */
import { ManualClock } from '@latchkey/sdk';
import { describe, expect, it } from 'vitest';
import { awsError, FakeParameters, parameter } from '../support/fake-parameters.js';

const TTL = 60_000;
const MAX_STALE = 120_000;
const read = (name: string, withDecryption = false) => ({ name, withDecryption });

describe('ParameterCache', () => {
  it('serves a parameter from the cache until its TTL, then asks again', async () => {
    const store = new FakeParameters().put(parameter('/app/flag', 'on'));
    const clock = new ManualClock();
    const cache = store.cache({ ttlMs: TTL, clock });
    expect(await cache.lookup(read('/app/flag'))).toMatchObject({
      status: 'miss',
      parameter: { Value: 'on' },
    });
    clock.advance(TTL - 1);
    expect(await cache.lookup(read('/app/flag'))).toMatchObject({
      status: 'hit',
      parameter: { Value: 'on' },
    });
    expect(store.calls).toBe(1);
    store.put(parameter('/app/flag', 'off', 2));
    clock.advance(2);
    expect(await cache.lookup(read('/app/flag'))).toMatchObject({
      status: 'miss',
      parameter: { Value: 'off' },
    });
    expect(store.calls).toBe(2);
  });

  it('keeps decrypted and undecrypted answers, and each selector, apart', async () => {
    const store = new FakeParameters()
      .put(parameter('/db/password', 'plain'))
      .put(parameter('/db/password', 'v1', 1), '1');
    const cache = store.cache();
    await cache.lookup(read('/db/password'));
    await cache.lookup(read('/db/password', true));
    expect((await cache.lookup(read('/db/password:1'))).parameter.Value).toBe('v1');
    expect(store.calls).toBe(3);
  });

  it('makes one call for concurrent misses of one name', async () => {
    const store = new FakeParameters().put(parameter('/app/flag', 'on'));
    const cache = store.cache();
    const answers = await Promise.all(Array.from({ length: 50 }, () => cache.lookup(read('/app/flag'))));
    expect(answers.every((answer) => answer.parameter.Value === 'on')).toBe(true);
    expect(store.calls).toBe(1);
  });

  it('serves a stale answer while SSM fails transiently, up to max stale, and retries meanwhile', async () => {
    const store = new FakeParameters().put(parameter('/app/flag', 'on'));
    const clock = new ManualClock();
    const cache = store.cache({ ttlMs: TTL, maxStaleMs: MAX_STALE, clock });
    await cache.lookup(read('/app/flag'));
    store.failure = awsError('ThrottlingException', 400, 'Rate exceeded');
    clock.advance(TTL + 1);
    // The read that finds the TTL over waits for SSM (nothing failed yet), then gets the stale answer.
    expect(await cache.lookup(read('/app/flag'))).toMatchObject({
      status: 'stale',
      parameter: { Value: 'on' },
    });
    expect(store.calls).toBe(2);
    // Within the backoff the stale answer is served without a call; after it, SSM is asked again.
    expect((await cache.lookup(read('/app/flag'))).status).toBe('stale');
    expect(store.calls).toBe(2);
    clock.advance(2_000);
    expect((await cache.lookup(read('/app/flag'))).status).toBe('stale');
    expect(store.calls).toBe(3);
    // Past TTL + max stale, the failure is reported.
    clock.advance(MAX_STALE);
    await expect(cache.lookup(read('/app/flag'))).rejects.toMatchObject({
      upstreamCode: 'ThrottlingException',
      httpStatus: 400,
    });
    store.failure = undefined;
    clock.advance(5_000);
    expect(await cache.lookup(read('/app/flag'))).toMatchObject({
      status: 'miss',
      parameter: { Value: 'on' },
    });
  });

  it('backs off while SSM fails: stale parameters are not each retried every second', async () => {
    const store = new FakeParameters();
    const names = Array.from({ length: 20 }, (_, i) => `/app/p${i}`);
    for (const name of names) store.put(parameter(name, 'on'));
    const clock = new ManualClock();
    const cache = store.cache({ ttlMs: TTL, maxStaleMs: 10 * TTL, clock });
    for (const name of names) await cache.lookup(read(name));
    store.failure = awsError('InternalServerError', 500, 'We encountered an internal error.');
    clock.advance(TTL);
    const before = store.calls;
    for (let step = 0; step < 240; step++) {
      clock.advance(250);
      for (const name of names) expect((await cache.lookup(read(name))).status).toBe('stale');
    }
    // One minute of reads, four a second per parameter: each parameter's own backoff (1, 2, 4, ... s) plus about one
    // probe of SSM every 1-2 s (145 calls with this fixed jitter), instead of one call per parameter per second
    // (1,200); the bound leaves room for the policy's tuning.
    expect(store.calls - before).toBeLessThan(300);
  });

  it('remembers a missing parameter for the backoff instead of asking SSM on every read', async () => {
    const store = new FakeParameters();
    const clock = new ManualClock();
    const cache = store.cache({ clock });
    for (let i = 0; i < 5; i++) {
      await expect(cache.lookup(read('/app/missing'))).rejects.toMatchObject({
        upstreamCode: 'ParameterNotFound',
        httpStatus: 400,
      });
    }
    expect(store.calls).toBe(1);
    store.put(parameter('/app/missing', 'created'));
    clock.advance(1_000);
    expect((await cache.lookup(read('/app/missing'))).parameter.Value).toBe('created');
  });

  it('drops a parameter at once on a permanent failure', async () => {
    const store = new FakeParameters().put(parameter('/app/flag', 'on'));
    const clock = new ManualClock();
    const cache = store.cache({ ttlMs: TTL, maxStaleMs: MAX_STALE, clock });
    await cache.lookup(read('/app/flag'));
    store.failure = awsError('ParameterNotFound', 400, 'Parameter /app/flag not found.');
    clock.advance(TTL + 1);
    await expect(cache.lookup(read('/app/flag'))).rejects.toMatchObject({
      upstreamCode: 'ParameterNotFound',
    });
    await expect(cache.lookup(read('/app/flag'))).rejects.toMatchObject({
      upstreamCode: 'ParameterNotFound',
    });
  });

  it('names Parameter Store, not Secrets Manager, when SSM cannot be reached', async () => {
    const store = new FakeParameters();
    store.failure = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const error = await store
      .cache()
      .lookup(read('/app/flag'))
      .catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ name: 'UpstreamUnavailableError', reason: 'network' });
    expect((error as Error).message).toMatch(/^SSM Parameter Store unreachable/);
    expect((error as Error).message).not.toContain('Secrets Manager');
  });

  it('asks SSM on every read at TTL 0, while concurrent reads still share one call', async () => {
    const store = new FakeParameters().put(parameter('/app/flag', 'on'));
    const cache = store.cache({ ttlMs: 0 });
    await Promise.all([cache.lookup(read('/app/flag')), cache.lookup(read('/app/flag'))]);
    expect(store.calls).toBe(1);
    expect((await cache.lookup(read('/app/flag'))).status).toBe('miss');
    expect(store.calls).toBe(2);
  });
});
