/** The Parameter Store cache: TTL, one call for concurrent misses, bounded stale serving, nothing kept at TTL 0. */
import { describe, expect, it } from 'vitest';
import { STALE_RETRY_MS } from '../src/upstream/parameters.js';
import { awsError, FakeParameters, parameter } from './support/fake-parameters.js';

const TTL = 60_000;
const MAX_STALE = 120_000;
const read = (name: string, withDecryption = false) => ({ name, withDecryption });

function clock() {
  let now = 1_000;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('ParameterCache', () => {
  it('serves a parameter from the cache until its TTL, then asks again', async () => {
    const store = new FakeParameters().put(parameter('/app/flag', 'on'));
    const time = clock();
    const cache = store.cache({ ttlMs: TTL, now: time.now });
    expect(await cache.lookup(read('/app/flag'))).toMatchObject({
      status: 'miss',
      parameter: { Value: 'on' },
    });
    time.advance(TTL - 1);
    expect(await cache.lookup(read('/app/flag'))).toMatchObject({
      status: 'hit',
      parameter: { Value: 'on' },
    });
    expect(store.calls).toBe(1);
    store.put(parameter('/app/flag', 'off', 2));
    time.advance(2);
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
    const time = clock();
    const cache = store.cache({ ttlMs: TTL, maxStaleMs: MAX_STALE, now: time.now });
    await cache.lookup(read('/app/flag'));
    store.failure = awsError('ThrottlingException', 400, 'Rate exceeded');
    time.advance(TTL + 1);
    expect(await cache.lookup(read('/app/flag'))).toMatchObject({
      status: 'stale',
      parameter: { Value: 'on' },
    });
    expect(store.calls).toBe(2);
    // Within the retry interval the stale answer is served without a call; after it, SSM is asked again.
    expect((await cache.lookup(read('/app/flag'))).status).toBe('stale');
    expect(store.calls).toBe(2);
    time.advance(STALE_RETRY_MS + 1);
    expect((await cache.lookup(read('/app/flag'))).status).toBe('stale');
    expect(store.calls).toBe(3);
    // Past TTL + max stale (counted from the last answer SSM gave), the failure is reported.
    time.advance(MAX_STALE);
    await expect(cache.lookup(read('/app/flag'))).rejects.toMatchObject({
      upstreamCode: 'ThrottlingException',
      httpStatus: 400,
    });
    store.failure = undefined;
    expect(await cache.lookup(read('/app/flag'))).toMatchObject({
      status: 'miss',
      parameter: { Value: 'on' },
    });
  });

  it('reports a permanent failure at once and forgets the parameter', async () => {
    const store = new FakeParameters().put(parameter('/app/flag', 'on'));
    const time = clock();
    const cache = store.cache({ ttlMs: TTL, maxStaleMs: MAX_STALE, now: time.now });
    await cache.lookup(read('/app/flag'));
    store.failure = awsError('ParameterNotFound', 400, 'Parameter /app/flag not found.');
    time.advance(TTL + 1);
    await expect(cache.lookup(read('/app/flag'))).rejects.toMatchObject({
      upstreamCode: 'ParameterNotFound',
    });
    expect(cache.size).toBe(0);
  });

  it('keeps nothing at TTL 0, while concurrent reads still share one call', async () => {
    const store = new FakeParameters().put(parameter('/app/flag', 'on'));
    const cache = store.cache({ ttlMs: 0 });
    await Promise.all([cache.lookup(read('/app/flag')), cache.lookup(read('/app/flag'))]);
    expect(store.calls).toBe(1);
    expect(cache.size).toBe(0);
    expect((await cache.lookup(read('/app/flag'))).status).toBe('miss');
    expect(store.calls).toBe(2);
  });
});
