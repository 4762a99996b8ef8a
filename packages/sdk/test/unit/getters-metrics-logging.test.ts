import { Writable } from 'node:stream';
import {
  InvalidJsonError,
  ManualClock,
  SecretsCache,
  ThrottledError,
  WrongSecretTypeError,
} from '@latchkey/sdk';
import { promMetrics } from '@latchkey/sdk/metrics';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { StubSource, settle } from '../support/stub-source.js';

const SECRET = 'hunter2-Zq9!unique-value';

function setup(extra: ConstructorParameters<typeof SecretsCache>[0] = {}) {
  const source = new StubSource();
  const clock = new ManualClock();
  const cache = new SecretsCache({ source, clock, random: () => 0, refreshAhead: 0, ...extra });
  return { source, clock, cache };
}

describe('typed getters', () => {
  it('getString and getBinary return the kind held, and refuse the other kind', async () => {
    const { source, cache } = setup();
    source.put('text', SECRET);
    source.put('blob', new Uint8Array([7, 8, 9]));
    expect(await cache.getString('text')).toBe(SECRET);
    const bytes = await cache.getBinary('blob');
    expect(bytes).toEqual(new Uint8Array([7, 8, 9]));
    bytes[0] = 0; // a copy: the cached bytes stay intact
    expect(await cache.getBinary('blob')).toEqual(new Uint8Array([7, 8, 9]));
    await expect(cache.getString('blob')).rejects.toBeInstanceOf(WrongSecretTypeError);
    await expect(cache.getBinary('text')).rejects.toBeInstanceOf(WrongSecretTypeError);
  });

  it('getJson parses once per version, shares a frozen result, and validates', async () => {
    const { source, cache } = setup();
    source.put('db', JSON.stringify({ username: 'app', password: SECRET, port: 5432 }));
    const first = await cache.getJson<{ password: string }>('db');
    expect(first.password).toBe(SECRET);
    expect(await cache.getJson('db')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    const hasHost = (value: unknown): value is { host: string } =>
      typeof value === 'object' && value !== null && 'host' in value;
    await expect(cache.getJson('db', { validate: hasHost })).rejects.toBeInstanceOf(InvalidJsonError);
  });

  it('getField reads one field and names a missing one', async () => {
    const { source, cache } = setup();
    source.put('db', JSON.stringify({ username: 'app', password: SECRET }));
    expect(await cache.getField('db', 'password')).toBe(SECRET);
    await expect(cache.getField('db', 'host')).rejects.toThrow("Secret 'db' has no field 'host'");
  });

  it('reports invalid JSON without quoting the value (JSON.parse would)', async () => {
    const { source, cache } = setup();
    source.put('plain', SECRET);
    const error = await cache.getJson('plain').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidJsonError);
    expect(String((error as Error).message)).not.toContain('hunter2');
    expect((error as Error).cause).toBeUndefined();
  });
});

describe('metrics', () => {
  it('publishes cache and upstream metrics, and two caches share one registry', async () => {
    const registry = new Registry();
    const one = setup({ metrics: promMetrics(registry) });
    const two = setup({ metrics: promMetrics(registry) });
    one.source.put('db', SECRET);
    two.source.put('db', SECRET);
    await one.cache.get('db');
    await one.cache.get('db');
    await two.cache.get('db');
    two.source.fail(undefined, () => new ThrottledError('Rate exceeded'));
    await expect(two.cache.get('other')).rejects.toBeInstanceOf(ThrottledError);

    const read = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values ?? [];
    const requests = await read('latchkey_cache_requests_total');
    const count = (result: string) => requests.find((v) => v.labels.result === result)?.value;
    expect([count('hit'), count('miss'), count('stale')]).toEqual([1, 3, 0]);
    const upstream = await read('latchkey_upstream_requests_total');
    expect(upstream.find((v) => v.labels.operation === 'GetSecretValue')?.value).toBe(3);
    const errors = await read('latchkey_upstream_errors_total');
    expect(errors).toEqual([
      expect.objectContaining({ labels: { operation: 'GetSecretValue', type: 'ThrottledError' }, value: 1 }),
    ]);
    const exposition = await registry.metrics();
    expect(exposition).toContain(
      'latchkey_upstream_request_duration_seconds_count{operation="GetSecretValue"} 3',
    );
    expect((await read('latchkey_cache_entries'))[0]?.value).toBe(3);

    await one.cache.close();
    expect((await read('latchkey_cache_entries'))[0]?.value).toBe(2);
    expect(exposition).not.toContain('hunter2');
  });
});

describe('no secret value in logs or errors', () => {
  it('logs at debug level through every path without a value, and errors never carry one', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: 'debug' }, sink);
    const { source, clock, cache } = setup({ logger, maxStale: '1m' });
    const errors: unknown[] = [];
    cache.on('error', (event) => errors.push(event.error));

    source.put('db', JSON.stringify({ password: SECRET }));
    source.put('plain', SECRET);
    await cache.get('db');
    await cache.getField('db', 'password');
    source.put('db', JSON.stringify({ password: `${SECRET}-next` }));
    clock.advance(5 * 60_000);
    await cache.get('db'); // describe, change, new value
    source.fail(
      undefined,
      () => new ThrottledError('Rate exceeded', { upstreamCode: 'ThrottlingException' }),
    );
    clock.advance(5 * 60_000);
    await cache.get('db'); // stale
    await settle();
    clock.advance(2 * 60_000);
    errors.push(await cache.get('db').catch((e: unknown) => e));
    source.clearFailures();
    errors.push(await cache.getJson('plain').catch((e: unknown) => e));
    errors.push(await cache.getField('db', 'nope', { forceRefresh: true }).catch((e: unknown) => e));
    errors.push(await cache.getBinary('plain').catch((e: unknown) => e));

    expect(lines.length).toBeGreaterThan(5);
    expect(lines.some((line) => line.includes('secret changed'))).toBe(true);
    expect(lines.some((line) => line.includes('serving stale value'))).toBe(true);
    expect(errors.length).toBeGreaterThanOrEqual(5);
    const text = [
      ...lines,
      ...errors.map(
        (e) => `${String(e)} ${JSON.stringify(e)} ${(e as Error).stack} ${String((e as Error).cause)}`,
      ),
    ].join('\n');
    expect(text).not.toContain('hunter2');
  });
});
