import {
  AccessDeniedError,
  type ChangeEvent,
  ManualClock,
  type RefreshEvent,
  SecretNotFoundError,
  SecretsCache,
  type SecretsCacheOptions,
  type StaleEvent,
  ThrottledError,
  UpstreamUnavailableError,
} from '@latchkey/sdk';
import { describe, expect, it, vi } from 'vitest';
import { throttleHold } from '../../src/cache/policy.js';
import { seededRandom } from '../support/random.js';
import { StubSource, settle } from '../support/stub-source.js';

const MINUTE = 60_000;

/** A cache over a stub source with a manual clock and no randomness (jitter draws 0: full TTL, full backoff). */
function setup(options: SecretsCacheOptions = {}) {
  const source = new StubSource();
  const clock = new ManualClock();
  const cache = new SecretsCache({ source, clock, random: () => 0, ttl: '5m', ...options });
  return { source, clock, cache };
}

const throttled = () =>
  new ThrottledError('Rate exceeded', { upstreamCode: 'ThrottlingException', httpStatus: 400 });
const unavailable = () => new UpstreamUnavailableError('connect ECONNREFUSED', 'network');

describe('SecretsCache: misses and hits', () => {
  it('makes one GetSecretValue for many concurrent misses of one key, and all callers get the same value', async () => {
    const { source, cache } = setup();
    source.put('db', 's3cr3t');
    const release = source.hold();
    const reads = Array.from({ length: 100 }, () => cache.lookup('db'));
    release();
    const results = await Promise.all(reads);
    expect(source.calls.GetSecretValue).toBe(1);
    expect(new Set(results.map((r) => r.value)).size).toBe(1);
    expect(results.every((r) => r.status === 'miss' && r.value.string === 's3cr3t')).toBe(true);
  });

  it('serves warm hits from memory with a stable, frozen value object', async () => {
    const { source, cache } = setup();
    source.put('db', 'one');
    const first = await cache.lookup('db');
    const second = await cache.lookup('db');
    const third = await cache.lookup('db', { versionStage: 'AWSCURRENT' });
    expect(source.calls.GetSecretValue).toBe(1);
    expect(second).toEqual({ value: first.value, status: 'hit' });
    expect(third.value).toBe(first.value);
    expect(Object.isFrozen(first.value)).toBe(true);
    expect(cache.lookup('db')).toBe(cache.lookup('db')); // the same resolved promise: no allocation per hit
  });

  it('get returns the CachedSecret shape with a stale flag', async () => {
    const { source, cache } = setup();
    const versionId = source.put('db', 'one');
    const secret = await cache.get('db');
    expect(secret).toMatchObject({
      name: 'db',
      versionId,
      string: 'one',
      stale: false,
      versionStages: ['AWSCURRENT'],
    });
    expect(secret.arn).toMatch(/^arn:aws:secretsmanager:/);
  });

  it('keys entries by versionId and versionStage', async () => {
    const { source, cache } = setup();
    const first = source.put('db', 'one');
    source.put('db', 'two');
    expect((await cache.get('db')).string).toBe('two');
    expect((await cache.get('db', { versionStage: 'AWSPREVIOUS' })).string).toBe('one');
    expect((await cache.get('db', { versionId: first })).string).toBe('one');
    expect(source.calls.GetSecretValue).toBe(3);
    expect(cache.size).toBe(3);
  });

  it('peek answers a warm key without a promise, and leaves cold, expired and forced reads to lookup', async () => {
    const { source, clock, cache } = setup({ refreshAhead: 0 });
    source.put('db', 'one');
    expect(cache.peek('db')).toBeUndefined();
    const looked = await cache.lookup('db');
    expect(cache.peek('db')).toEqual({ value: looked.value, status: 'hit' });
    expect(cache.peek('db')?.value).toBe(looked.value);
    expect(cache.peek('db', { forceRefresh: true })).toBeUndefined();
    expect(cache.peek('db', { revalidate: true })).toBeUndefined();
    clock.advance(5 * MINUTE);
    expect(cache.peek('db')).toBeUndefined();
    expect(source.calls.GetSecretValue).toBe(1);
  });

  it('peek serves the last value, flagged stale, while the upstream fails', async () => {
    const { source, clock, cache } = setup({ refreshAhead: 0, maxStale: '10m' });
    source.put('db', 'one');
    await cache.get('db');
    source.fail(undefined, unavailable);
    clock.advance(5 * MINUTE);
    expect(cache.peek('db')).toBeUndefined(); // expired, nothing failed yet: lookup asks upstream
    expect(await cache.lookup('db')).toMatchObject({ status: 'stale' });
    expect(cache.peek('db')).toMatchObject({ status: 'stale', value: { string: 'one' } });
  });

  it('an aborted caller stops waiting while the shared fetch completes for the others', async () => {
    const { source, cache } = setup();
    source.put('db', 'one');
    const release = source.hold();
    const controller = new AbortController();
    const aborted = cache.get('db', { signal: controller.signal });
    const patient = cache.get('db');
    controller.abort(new Error('caller gave up'));
    await expect(aborted).rejects.toThrow('caller gave up');
    release();
    expect((await patient).string).toBe('one');
    expect(source.calls.GetSecretValue).toBe(1);
  });
});

describe('SecretsCache: TTL and version checks', () => {
  it('after the TTL checks with DescribeSecret and keeps the value when the version did not move', async () => {
    const { source, clock, cache } = setup({ refreshAhead: 0 });
    source.put('db', 'one');
    const first = await cache.lookup('db');
    clock.advance(5 * MINUTE);
    const second = await cache.lookup('db');
    expect(source.calls).toMatchObject({ GetSecretValue: 1, DescribeSecret: 1 });
    expect(second.value).toBe(first.value);
    // The check restarted the TTL.
    clock.advance(4 * MINUTE);
    await cache.lookup('db');
    expect(source.calls.DescribeSecret).toBe(1);
  });

  it('fetches the new value when the stage moved to another version, and reports the change', async () => {
    const { source, clock, cache } = setup({ refreshAhead: 0 });
    source.put('db', 'one');
    await cache.get('db');
    const changes: ChangeEvent[] = [];
    cache.on('change', (event) => changes.push(event));
    const listener = vi.fn();
    cache.onChange('db', listener);
    source.put('db', 'two');
    clock.advance(5 * MINUTE);
    expect((await cache.get('db')).string).toBe('two');
    expect(source.calls).toMatchObject({ GetSecretValue: 2, DescribeSecret: 1 });
    expect(changes).toHaveLength(1);
    expect(changes[0]?.previous.string).toBe('one');
    expect(listener).toHaveBeenCalledWith(
      expect.objectContaining({ string: 'two' }),
      expect.objectContaining({ string: 'one' }),
    );
  });

  it('falls back to GetSecretValue when DescribeSecret has no VersionIdsToStages', async () => {
    const { source, clock, cache } = setup({ refreshAhead: 0 });
    source.describeWithoutStages = true;
    source.put('db', 'one');
    await cache.get('db');
    clock.advance(5 * MINUTE);
    await cache.get('db');
    expect(source.calls).toMatchObject({ GetSecretValue: 2, DescribeSecret: 1 });
  });

  it('falls back to GetSecretValue for good when DescribeSecret is denied (a GetSecretValue-only policy)', async () => {
    const { source, clock, cache } = setup({ refreshAhead: 0 });
    source.put('db', 'one');
    source.fail('DescribeSecret', () => new AccessDeniedError('not authorized to DescribeSecret'));
    await cache.get('db');
    source.put('db', 'two');
    clock.advance(5 * MINUTE);
    expect((await cache.get('db')).string).toBe('two');
    clock.advance(5 * MINUTE);
    await cache.get('db');
    expect(source.calls).toMatchObject({ DescribeSecret: 1, GetSecretValue: 3 });
  });

  it('never re-reads a versionId-pinned entry', async () => {
    const { source, clock, cache } = setup();
    const versionId = source.put('db', 'one');
    await cache.get('db', { versionId });
    clock.advance(60 * MINUTE);
    await cache.get('db', { versionId });
    await cache.refresh('db', { versionId });
    expect(source.calls).toMatchObject({ GetSecretValue: 1, DescribeSecret: 0 });
  });

  it('jitters the TTL down by up to ttlJitter', async () => {
    const { source, clock, cache } = setup({ refreshAhead: 0, ttlJitter: 0.5, random: () => 0.999 });
    source.put('db', 'one');
    await cache.get('db');
    clock.advance(2.4 * MINUTE);
    await cache.get('db');
    expect(source.calls.DescribeSecret).toBe(0);
    clock.advance(0.2 * MINUTE); // 2.6 m: past 5 m × (1 − 0.5 × 0.999)
    await cache.get('db');
    expect(source.calls.DescribeSecret).toBe(1);
  });

  it('with ttl 0 every read goes upstream (GetSecretValue), still single-flight', async () => {
    const { source, cache } = setup({ ttl: '0s' });
    source.put('db', 'one');
    await cache.get('db');
    await cache.get('db');
    const release = source.hold();
    const concurrent = Promise.all([cache.get('db'), cache.get('db'), cache.get('db')]);
    release();
    await concurrent;
    expect(source.calls).toMatchObject({ GetSecretValue: 3, DescribeSecret: 0 });
  });
});

describe('SecretsCache: events', () => {
  it('emits refresh events for each upstream read, saying which operation and whether the version changed', async () => {
    const { source, clock, cache } = setup({ refreshAhead: 0 });
    const events: RefreshEvent[] = [];
    cache.on('refresh', (event) => events.push(event));
    source.put('db', 'one');
    await cache.get('db');
    clock.advance(5 * MINUTE);
    await cache.get('db');
    source.put('db', 'two');
    clock.advance(5 * MINUTE);
    await cache.get('db');
    expect(events.map(({ operation, changed }) => [operation, changed])).toEqual([
      ['GetSecretValue', false],
      ['DescribeSecret', false],
      ['GetSecretValue', true],
    ]);
    expect(events[0]).toMatchObject({
      secretId: 'db',
      versionStage: 'AWSCURRENT',
      requestedVersionId: undefined,
    });
    expect(events.map((event) => event.versionId)).toEqual(['v1', 'v1', 'v2']);
  });
});

describe('SecretsCache: refresh-ahead and rotation', () => {
  it('a read late in the TTL returns the cached value at once and refreshes in the background', async () => {
    const { source, clock, cache } = setup({ refreshAhead: 0.2 });
    source.put('db', 'one');
    await cache.get('db');
    clock.advance(3.9 * MINUTE);
    await cache.get('db');
    expect(source.calls.DescribeSecret).toBe(0);
    source.put('db', 'two');
    clock.advance(0.2 * MINUTE); // 4.1 m: inside the last 20 %
    const release = source.hold();
    const served = await cache.lookup('db');
    expect(served).toMatchObject({ status: 'hit', value: { string: 'one' } }); // not waiting for the held upstream
    release();
    await settle();
    expect(source.calls).toMatchObject({ DescribeSecret: 1, GetSecretValue: 2 });
    expect((await cache.lookup('db')).value.string).toBe('two');
  });

  it('checks a rotating secret every rotationCheckInterval and picks up the new AWSCURRENT in seconds', async () => {
    const { source, clock, cache } = setup({ refreshAhead: 0.2, rotationCheckInterval: '5s' });
    source.put('db', 'one');
    await cache.get('db');
    source.startRotation('db', 'two');
    clock.advance(4.1 * MINUTE); // refresh-ahead check sees AWSPENDING
    await cache.get('db');
    await settle();
    expect(source.calls.DescribeSecret).toBe(1);
    clock.advance(5_000);
    await cache.get('db');
    await settle();
    expect(source.calls.DescribeSecret).toBe(2); // still rotating: checked again 5 s later
    source.finishRotation('db');
    clock.advance(5_000);
    await cache.get('db');
    await settle();
    expect(source.calls).toMatchObject({ DescribeSecret: 3, GetSecretValue: 2 });
    expect((await cache.get('db')).string).toBe('two');
    clock.advance(5_000);
    await cache.get('db');
    await settle();
    expect(source.calls.DescribeSecret).toBe(3); // rotation over: back to the normal TTL
  });

  it('stops polling a rotation that has not finished within one TTL (a failed rotation leaves AWSPENDING)', async () => {
    const { source, clock, cache } = setup({ ttl: '1m', refreshAhead: 0.2, rotationCheckInterval: '5s' });
    source.put('db', 'one');
    await cache.get('db');
    source.startRotation('db', 'two'); // never finished
    let checks = 0;
    for (let second = 0; second < 300; second += 5) {
      clock.advance(5_000);
      await cache.get('db');
      await settle();
      checks = source.calls.DescribeSecret;
    }
    // 5-second polling for the first minute (about 12 checks), then once per TTL.
    expect(checks).toBeGreaterThanOrEqual(12);
    expect(checks).toBeLessThanOrEqual(12 + 5);
  });

  it('checks a secret when its next scheduled rotation starts', async () => {
    const { source, clock, cache } = setup({ refreshAhead: 0.2 });
    source.put('db', 'one');
    await cache.get('db');
    source.nextRotationDate = new Date(clock.now() + 4.5 * MINUTE);
    clock.advance(4.1 * MINUTE);
    await cache.get('db');
    await settle();
    expect(source.calls.DescribeSecret).toBe(1); // learns the rotation date
    source.startRotation('db', 'two');
    clock.advance(0.5 * MINUTE); // just past the rotation date, long before the TTL
    await cache.get('db');
    await settle();
    expect(source.calls.DescribeSecret).toBe(2);
  });

  it('watched keys are checked on their own schedule and listeners see the change without any read', async () => {
    const { source, clock, cache } = setup({ refreshAhead: 0.2 });
    source.put('db', 'one');
    const seen: string[] = [];
    const unsubscribe = cache.onChange('db', (value) => seen.push(value.string ?? ''));
    await settle(); // baseline load
    expect(source.calls.GetSecretValue).toBe(1);
    source.put('db', 'two');
    clock.advance(4 * MINUTE);
    await settle();
    expect(seen).toEqual(['two']);
    unsubscribe();
    source.put('db', 'three');
    clock.advance(10 * MINUTE);
    await settle();
    expect(seen).toEqual(['two']);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('SecretsCache: errors, stale values and backoff', () => {
  it('serves the last value, flagged stale, while the upstream fails transiently, and backs off', async () => {
    const { source, clock, cache } = setup({
      refreshAhead: 0,
      maxStale: '10m',
      backoff: { base: '1s', jitter: 0 },
    });
    source.put('db', 'one');
    await cache.get('db');
    const staleEvents: StaleEvent[] = [];
    cache.on('stale', (event) => staleEvents.push(event));
    source.fail(undefined, throttled);
    clock.advance(5 * MINUTE);
    expect(await cache.get('db')).toMatchObject({ string: 'one', stale: true });
    expect(staleEvents).toHaveLength(1);
    expect(source.calls.DescribeSecret).toBe(1);
    // Within the backoff: stale at once, no upstream call.
    expect((await cache.lookup('db')).status).toBe('stale');
    expect(source.calls.DescribeSecret).toBe(1);
    // After it: stale at once, and one background retry; the next delay doubles.
    clock.advance(1_000);
    expect((await cache.lookup('db')).status).toBe('stale');
    await settle();
    expect(source.calls.DescribeSecret).toBe(2);
    clock.advance(1_500);
    await cache.lookup('db');
    await settle();
    expect(source.calls.DescribeSecret).toBe(2);
    clock.advance(600);
    await cache.lookup('db');
    await settle();
    expect(source.calls.DescribeSecret).toBe(3);
    // Recovery clears the stale state.
    source.clearFailures();
    clock.advance(4_000);
    await cache.lookup('db');
    await settle();
    expect(await cache.lookup('db')).toMatchObject({ status: 'hit', value: { string: 'one' } });
  });

  it('stops serving a stale value after maxStale and surfaces the error', async () => {
    const { source, clock, cache } = setup({
      refreshAhead: 0,
      maxStale: '2m',
      backoff: { base: '1s', max: '10s' },
    });
    source.put('db', 'one');
    await cache.get('db');
    source.fail(undefined, unavailable);
    clock.advance(5 * MINUTE);
    expect((await cache.get('db')).stale).toBe(true);
    clock.advance(2 * MINUTE);
    await expect(cache.get('db')).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });

  it('with maxStale 0 never serves a value past its TTL', async () => {
    const { source, clock, cache } = setup({ refreshAhead: 0, maxStale: '0s' });
    source.put('db', 'one');
    await cache.get('db');
    source.fail(undefined, throttled);
    clock.advance(5 * MINUTE);
    await expect(cache.get('db')).rejects.toBeInstanceOf(ThrottledError);
  });

  it('reports a permanent error and remembers it for the backoff instead of hammering the upstream', async () => {
    const { source, clock, cache } = setup({ backoff: { base: '2s', jitter: 0 } });
    await expect(cache.get('missing')).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(cache.get('missing')).rejects.toBeInstanceOf(SecretNotFoundError);
    expect(source.calls.GetSecretValue).toBe(1);
    clock.advance(2_000);
    source.put('missing', 'now here');
    expect((await cache.get('missing')).string).toBe('now here');
    expect(source.calls.GetSecretValue).toBe(2);
  });

  it('drops the cached value on a permanent error during refresh (deleted secret, revoked access)', async () => {
    const { source, clock, cache } = setup({ refreshAhead: 0 });
    source.put('db', 'one');
    await cache.get('db');
    source.fail(
      undefined,
      () => new AccessDeniedError('not authorized', { upstreamCode: 'AccessDeniedException' }),
    );
    clock.advance(5 * MINUTE);
    await expect(cache.get('db')).rejects.toBeInstanceOf(AccessDeniedError);
    expect(cache.peek('db')).toBeUndefined();
  });

  it('emits error events only to listeners (an unhandled one never crashes the process)', async () => {
    const { source, cache } = setup();
    source.fail(undefined, throttled);
    await expect(cache.get('db')).rejects.toBeInstanceOf(ThrottledError);
    const errors: unknown[] = [];
    cache.on('error', (event) => errors.push(event.error));
    await cache.refresh('db').catch(() => {});
    expect(errors).toHaveLength(1);
  });
});

/** Waits for `work` while virtual time moves on in 100 ms steps (a read with nothing cached waits on the clock for
 * the next probe while the upstream is down). */
async function advancing<T>(clock: ManualClock, work: Promise<T>): Promise<T> {
  let done = false;
  work.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let elapsed = 0; !done; elapsed += 100) {
    if (elapsed > 10 * MINUTE) throw new Error('still waiting after 10 minutes of virtual time');
    clock.advance(100);
    await settle();
  }
  return work;
}

describe('SecretsCache: recovery after an outage', () => {
  it('after a 10-minute outage every stale key is refreshed within the 10 s spread, read or not, and not all at once', async () => {
    const { source, clock, cache } = setup({ refreshAhead: 0, maxStale: '1h', random: seededRandom(3) });
    const names = Array.from({ length: 50 }, (_, i) => `s${i}`);
    for (const name of names) {
      source.put(name, name);
      await cache.get(name);
    }
    source.fail(undefined, unavailable);
    for (let second = 0; second < 600; second++) {
      clock.advance(1_000);
      for (const name of names) await cache.get(name);
      await settle();
    }
    const duringOutage = source.calls.DescribeSecret + source.calls.GetSecretValue;
    source.clearFailures();
    const recoveredAt = clock.now();
    const retriedAt = new Map<string, number>();
    cache.on('refresh', (event) => {
      if (!retriedAt.has(event.secretId)) retriedAt.set(event.secretId, clock.now() - recoveredAt);
    });
    // Only s0 is read from now on: its probe sees the upstream back, and the others refresh on their own.
    for (let elapsed = 0; elapsed < 13_000; elapsed += 100) {
      clock.advance(100);
      await cache.get('s0');
      await settle();
    }
    expect(retriedAt.size).toBe(names.length);
    const delays = [...retriedAt.values()];
    expect(Math.max(...delays)).toBeLessThanOrEqual(12_000); // the next probe (at most 2 s), then at most 10 s
    // Not one burst: the keys retried over more than 5 s, never more than a tenth of them in one 100 ms step.
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(5_000);
    const perStep = new Map<number, number>();
    for (const delay of delays) perStep.set(delay, (perStep.get(delay) ?? 0) + 1);
    expect(Math.max(...perStep.values())).toBeLessThanOrEqual(names.length / 10);
    for (const name of names) expect((await cache.get(name)).stale).toBe(false);
    // The probing that noticed the recovery stayed light: each key's first failure, then one call per probe
    // interval (1–2 s) for the whole cache, and none of the keys' own backoff retries (609 calls when they ran).
    expect(duringOutage).toBeLessThan(600 / 2 + names.length);
  });

  it('a cold read made while a probe is out waits for its answer, and reads at once when the upstream is back', async () => {
    // A pod started during an outage reads its secrets together: one read probes, and the others (nothing cached,
    // in backoff) used to fail at once, although the upstream was answering.
    const { source, clock, cache } = setup({ random: seededRandom(5) });
    source.put('a', 'one');
    source.put('b', 'two');
    source.fail(undefined, unavailable);
    while (clock.now() < Date.UTC(2026, 0, 1) + 10 * MINUTE) {
      await advancing(clock, Promise.allSettled([cache.get('a'), cache.get('b')]));
    }
    source.clearFailures();
    clock.advance(2_000);
    const release = source.hold();
    const reads = Promise.allSettled([cache.get('a'), cache.get('b')]);
    await settle();
    release();
    const [a, b] = await reads;
    expect(a).toMatchObject({ status: 'fulfilled', value: { string: 'one' } });
    expect(b).toMatchObject({ status: 'fulfilled', value: { string: 'two', stale: false } });
  });

  it('a cold read made before the next probe is due waits for it (at most 2 s), and gets the value once the upstream is back', async () => {
    // What failed cold reads just after a fleet's outage: the upstream was back, but this pod's cache had not
    // heard from it yet, and a read with no probe in flight failed at once.
    const { source, clock, cache } = setup({ random: seededRandom(7) });
    source.put('a', 'one');
    source.fail(undefined, unavailable);
    await expect(advancing(clock, cache.get('a'))).rejects.toBeInstanceOf(UpstreamUnavailableError);
    source.clearFailures();
    const calls = source.calls.GetSecretValue;
    const read = cache.get('a');
    await settle();
    expect(source.calls.GetSecretValue).toBe(calls); // not due yet: the read waits rather than failing
    const waitedFrom = clock.now();
    expect(await advancing(clock, read)).toMatchObject({ string: 'one', stale: false });
    expect(clock.now() - waitedFrom).toBeLessThanOrEqual(2_000);
    expect(source.calls.GetSecretValue).toBe(calls + 1);
  });

  it('a cold read made while a probe is out still fails when the probe does', async () => {
    const { source, clock, cache } = setup({ random: seededRandom(5) });
    source.put('a', 'one');
    source.put('b', 'two');
    source.fail(undefined, unavailable);
    while (clock.now() < Date.UTC(2026, 0, 1) + MINUTE) {
      await advancing(clock, Promise.allSettled([cache.get('a'), cache.get('b')]));
    }
    clock.advance(2_000);
    const calls = source.calls.GetSecretValue;
    const reads = await Promise.allSettled([cache.get('a'), cache.get('b')]);
    expect(reads.map((read) => read.status)).toEqual(['rejected', 'rejected']);
    expect(source.calls.GetSecretValue - calls).toBe(1); // the probe alone: the waiting read did not call too
  });

  it('a watched key in backoff picks up the recovery without any read', async () => {
    const { source, clock, cache } = setup({ refreshAhead: 0, maxStale: '1h' });
    source.put('watched', 'one');
    source.put('read', 'one');
    const seen: string[] = [];
    cache.onChange('watched', (value) => seen.push(value.string ?? ''));
    await cache.get('read');
    await settle();
    source.fail(undefined, unavailable);
    for (let second = 0; second < 600; second++) {
      clock.advance(1_000);
      await cache.get('read');
      await settle();
    }
    source.clearFailures();
    source.put('watched', 'two');
    for (let elapsed = 0; elapsed < 13_000; elapsed += 100) {
      clock.advance(100);
      await cache.get('read');
      await settle();
    }
    expect(seen).toEqual(['two']);
  });
});

describe('SecretsCache: throttling', () => {
  it('a throttle is not an outage: no probing, and every background refresh holds off for the random hold', async () => {
    const { source, clock, cache } = setup({ random: () => 0.5, backoff: { base: '1s', jitter: 0 } });
    source.put('a', 'a');
    source.put('b', 'b');
    await cache.get('a');
    await cache.get('b');
    clock.advance(4.5 * MINUTE); // both in their refresh-ahead window
    source.fail('DescribeSecret', throttled, 1);
    expect((await cache.lookup('a')).status).toBe('hit');
    await settle();
    expect(source.calls.DescribeSecret).toBe(1); // a's refresh, throttled
    // The hold after a first throttle is uniform below 1 s (here 0.5 s): b's refresh-ahead waits too.
    clock.advance(400);
    expect((await cache.lookup('b')).status).toBe('hit');
    await settle();
    expect(source.calls.DescribeSecret).toBe(1);
    clock.advance(200);
    await cache.lookup('b');
    await settle();
    expect(source.calls.DescribeSecret).toBe(2);
    // a retries after its own backoff (1 s), not at a probe's pace.
    await cache.lookup('a');
    await settle();
    expect(source.calls.DescribeSecret).toBe(2);
    clock.advance(400);
    await cache.lookup('a');
    await settle();
    expect(source.calls.DescribeSecret).toBe(3);
    expect((await cache.lookup('a')).status).toBe('hit');
  });

  it('the hold is drawn uniformly below a bound that doubles with each throttle since the last success, up to 60 s', () => {
    expect([1, 2, 3, 6, 7, 20].map((n) => throttleHold(n, () => 0.999_999))).toEqual(
      [1_000, 2_000, 4_000, 32_000, 60_000, 60_000].map((bound) => expect.closeTo(bound, -1)),
    );
    const random = seededRandom(11);
    const holds = Array.from({ length: 1_000 }, () => throttleHold(3, random));
    expect(Math.min(...holds)).toBeLessThan(200);
    expect(Math.max(...holds)).toBeGreaterThan(3_800);
    expect(Math.max(...holds)).toBeLessThan(4_000);
  });

  it('a stale value is served through a throttle, and back to fresh once the upstream answers', async () => {
    const { source, clock, cache } = setup({ refreshAhead: 0, random: () => 0.5 });
    source.put('db', 'one');
    await cache.get('db');
    source.fail(undefined, throttled, 3);
    clock.advance(5 * MINUTE);
    expect(await cache.get('db')).toMatchObject({ string: 'one', stale: true });
    for (let elapsed = 0; elapsed < 10_000; elapsed += 100) {
      clock.advance(100);
      expect((await cache.get('db')).string).toBe('one');
      await settle();
    }
    expect(await cache.get('db')).toMatchObject({ string: 'one', stale: false });
  });
});

describe('SecretsCache: forced refresh', () => {
  it('goes upstream once per key per interval, coalesced, without making the caller sleep', async () => {
    const { source, clock, cache } = setup({ minRefreshInterval: '1s' });
    source.put('db', 'one');
    await cache.get('db');
    source.put('db', 'two');
    // Right after an ordinary read, a forced refresh still goes upstream (an app that just failed to log in).
    const [a, b] = await Promise.all([cache.refresh('db'), cache.refresh('db')]);
    expect([a.string, b.string]).toEqual(['two', 'two']);
    expect(source.calls.GetSecretValue).toBe(2);
    source.put('db', 'three');
    expect((await cache.refresh('db')).string).toBe('two'); // within 1 s of the last forced refresh: its value
    expect(source.calls.GetSecretValue).toBe(2);
    clock.advance(1_000);
    expect((await cache.get('db', { forceRefresh: true })).string).toBe('three');
    expect(source.calls.GetSecretValue).toBe(3);
  });

  it('bypasses the error backoff (an app that just failed to log in wants the new value now)', async () => {
    const { source, clock, cache } = setup({ backoff: { base: '1m' } });
    await expect(cache.get('db')).rejects.toBeInstanceOf(SecretNotFoundError);
    source.put('db', 'one');
    clock.advance(1_000);
    expect((await cache.refresh('db')).string).toBe('one');
  });
});

describe('SecretsCache: memory bounds and invalidation', () => {
  it('keeps at most maxEntries, dropping the least recently used', async () => {
    const { source, cache } = setup({ maxEntries: 2 });
    for (const name of ['a', 'b', 'c']) source.put(name, name);
    await cache.get('a');
    await cache.get('b');
    await cache.get('a');
    await cache.get('c');
    expect(cache.size).toBe(2);
    expect(cache.peek('a')).toBeDefined();
    expect(cache.peek('b')).toBeUndefined();
  });

  it('keeps the values within maxBytes', async () => {
    const { source, cache } = setup({ maxBytes: 10_000 });
    for (let i = 0; i < 10; i++) source.put(`s${i}`, 'x'.repeat(4_000));
    for (let i = 0; i < 10; i++) await cache.get(`s${i}`);
    expect(cache.size).toBe(2);
    expect(cache.peek('s9')).toBeDefined();
  });

  it('reports every entry that leaves with an evict event and its value: pushed out, invalidated, closed', async () => {
    const { source, cache } = setup({ maxEntries: 2 });
    const evicted: string[] = [];
    cache.on('evict', (event) => evicted.push(`${event.secretId}=${event.value.string}`));
    for (const name of ['a', 'b', 'c']) source.put(name, `${name}-value`);
    await cache.get('a');
    await cache.get('b');
    await cache.get('c');
    expect(evicted).toEqual(['a=a-value']);
    cache.invalidate('b');
    expect(evicted).toEqual(['a=a-value', 'b=b-value']);
    await cache.close();
    expect(evicted).toEqual(['a=a-value', 'b=b-value', 'c=c-value']);
  });

  it('reports the value it drops when the secret can no longer be read', async () => {
    const { source, cache } = setup();
    const evicted: string[] = [];
    cache.on('evict', (event) => evicted.push(`${event.secretId}=${event.value.string}`));
    source.put('gone', 'old-value');
    await cache.get('gone');
    source.delete('gone');
    await expect(cache.refresh('gone')).rejects.toBeInstanceOf(SecretNotFoundError);
    expect(evicted).toEqual(['gone=old-value']);
  });

  it('does not report an entry re-measured after its value changed, unless it no longer fits at all', async () => {
    const { source, cache } = setup({ maxBytes: 10_000 });
    const evicted: string[] = [];
    cache.on('evict', (event) => evicted.push(event.secretId));
    source.put('grows', 'small');
    source.put('outgrows', 'small');
    await cache.get('grows');
    await cache.get('outgrows');
    source.put('grows', 'x'.repeat(4_000));
    expect((await cache.refresh('grows')).string).toHaveLength(4_000);
    expect(evicted).toEqual([]);
    expect(cache.size).toBe(2);
    source.put('outgrows', 'x'.repeat(20_000));
    expect((await cache.refresh('outgrows')).string).toHaveLength(20_000);
    expect(evicted).toEqual(['outgrows']);
    expect(cache.size).toBe(1);
  });

  it('invalidate drops every version of one secret, or everything', async () => {
    const { source, cache } = setup();
    source.put('a', 'a');
    source.put('a', 'a2');
    source.put('b', 'b');
    await cache.get('a');
    await cache.get('a', { versionStage: 'AWSPREVIOUS' });
    await cache.get('b');
    cache.invalidate('a');
    expect(cache.size).toBe(1);
    await cache.get('a');
    expect(source.calls.GetSecretValue).toBe(4);
    cache.invalidate();
    expect(cache.size).toBe(0);
  });
});

describe('SecretsCache: prefetch', () => {
  it('loads through BatchGetSecretValue in chunks of 20 and reports each secret', async () => {
    const { source, cache } = setup();
    const ids = Array.from({ length: 45 }, (_, i) => `s${i}`);
    for (const id of ids) source.put(id, id);
    const results = await cache.prefetch([...ids, 'missing']);
    expect(source.calls.BatchGetSecretValue).toBe(3);
    expect(results).toHaveLength(46);
    expect(results.slice(0, 45).every((r, i) => r.value?.string === `s${i}`)).toBe(true);
    expect(results[45]?.error).toBeInstanceOf(SecretNotFoundError);
    await cache.get('s44');
    expect(source.calls.GetSecretValue).toBe(0);
  });

  it('reads one by one a secret whose batch item failed with an unknown error (transient, as everywhere else)', async () => {
    const { source, cache } = setup();
    source.put('a', 'a');
    source.put('b', 'b');
    const batch = source.batchGetSecretValue.bind(source);
    source.batchGetSecretValue = async (ids) =>
      (await batch(ids)).map((item) =>
        item.secretId === 'b' ? { secretId: 'b', error: new Error('socket hang up') } : item,
      );
    const results = await cache.prefetch(['a', 'b']);
    expect(results.map((r) => r.value?.string)).toEqual(['a', 'b']);
    expect(source.calls.GetSecretValue).toBe(1);
  });

  it('sends one batch call at a time (BatchGetSecretValue allows 100 a second per account)', async () => {
    const { source, cache } = setup();
    const ids = Array.from({ length: 45 }, (_, i) => `s${i}`);
    for (const id of ids) source.put(id, id);
    const release = source.hold();
    const prefetched = cache.prefetch(ids);
    await settle();
    expect(source.calls.BatchGetSecretValue).toBe(1);
    release();
    expect((await prefetched).every((r, i) => r.value?.string === `s${i}`)).toBe(true);
    expect(source.calls.BatchGetSecretValue).toBe(3);
  });

  it('after a throttled batch call, reads the rest one by one instead of batching on', async () => {
    const { source, cache } = setup();
    const ids = Array.from({ length: 45 }, (_, i) => `s${i}`);
    for (const id of ids) source.put(id, id);
    source.fail('BatchGetSecretValue', throttled, 1);
    const results = await cache.prefetch(ids);
    expect(results.every((r, i) => r.value?.string === `s${i}`)).toBe(true);
    expect(source.calls.BatchGetSecretValue).toBe(1);
    expect(source.calls.GetSecretValue).toBe(45);
  });

  it('reads one by one when a batch call fails', async () => {
    const { source, cache } = setup();
    source.put('a', 'a');
    source.put('b', 'b');
    source.fail('BatchGetSecretValue', () => new AccessDeniedError('no batch permission'));
    const results = await cache.prefetch(['a', 'b']);
    expect(results.map((r) => r.value?.string)).toEqual(['a', 'b']);
    expect(source.calls.GetSecretValue).toBe(2);
  });
});

describe('SecretsCache: close', () => {
  it('stops watch timers and refuses reads', async () => {
    const { source, clock, cache } = setup();
    source.put('db', 'one');
    cache.onChange('db', () => {});
    await settle();
    await cache.close();
    expect(clock.pendingTimers).toBe(0);
    await expect(cache.get('db')).rejects.toThrow('closed');
  });

  it('closes a given source only when told to', async () => {
    const closed: string[] = [];
    const make = (name: string) => Object.assign(new StubSource(), { close: () => void closed.push(name) });
    await new SecretsCache({ source: make('kept') }).close();
    await new SecretsCache({ source: make('closed'), closeSource: true }).close();
    expect(closed).toEqual(['closed']);
  });
});
