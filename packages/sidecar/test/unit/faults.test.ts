/**
 * Reliability: with the emulator injecting latency, throttling, 500s and connection resets under load, cached
 * secrets keep answering 200 (served stale within maxStale, flagged `X-Cache: stale`), and nothing crashes.
 */
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../support/http.js';
import { type Stack, startStack } from '../support/stack.js';

let stack: Stack;
let pool: Pool;
const ids: string[] = [];

beforeAll(async () => {
  // A 1 s TTL so the cached values expire during each fault; stale serving allowed for an hour.
  stack = await startStack({
    overrides: [
      { key: 'ttl_seconds', value: '1' },
      { key: 'max_stale_seconds', value: '3600' },
    ],
  });
  for (let i = 0; i < 5; i++) {
    const id = stack.name(`faults/s${i}`);
    await stack.create(id, `value-${i}`);
    ids.push(id);
  }
  pool = new Pool(stack.url, { connections: 16 });
});
afterAll(async () => {
  await pool?.close();
  await stack?.close();
});

interface LoadResult {
  readonly statuses: Map<number, number>;
  readonly cache: Map<string, number>;
  readonly wrongValues: number;
}

/** `workers` concurrent loops of GETs over the ids until `until` resolves. */
async function load(workers: number, until: Promise<void>): Promise<LoadResult> {
  const statuses = new Map<number, number>();
  const cache = new Map<string, number>();
  let wrongValues = 0;
  let done = false;
  until.then(() => {
    done = true;
  });
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let n = 0; !done; n++) {
        const index = (worker + n) % ids.length;
        const response = await pool.request({
          path: `/v1/${ids[index]}`,
          method: 'GET',
          headers: { 'X-Aws-Parameters-Secrets-Token': stack.token },
        });
        const body = await response.body.text();
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        const state = String(response.headers['x-cache']);
        cache.set(state, (cache.get(state) ?? 0) + 1);
        if (response.statusCode === 200 && JSON.parse(body).SecretString !== `value-${index}`) wrongValues++;
      }
    }),
  );
  return { statuses, cache, wrongValues };
}

/** Resolves after the fault has been in place across at least two TTLs of every key. */
const during = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('faults under load', () => {
  it.each([
    ['throttling', { kind: 'throttling' as const }],
    ['internal errors', { kind: 'internal-error' as const }],
    ['connection resets', { kind: 'connection-reset' as const }],
    ['latency', { kind: 'latency' as const, latencyMs: 400 }],
  ])('keeps answering 200 from the cache during %s', async (_name, fault) => {
    // Warm every key: each read once (a loaded machine may not get to all of them in a timed load), then under load.
    for (const id of ids) {
      const response = await pool.request({
        path: `/v1/${id}`,
        method: 'GET',
        headers: { 'X-Aws-Parameters-Secrets-Token': stack.token },
      });
      expect([response.statusCode, await response.body.text()]).toEqual([200, expect.any(String)]);
    }
    await load(4, during(300));
    const id = stack.emulator.faults.inject(fault);
    let result: LoadResult;
    try {
      result = await load(12, during(2500));
    } finally {
      stack.emulator.faults.clear(id);
    }
    expect([...result.statuses.keys()]).toEqual([200]);
    expect(result.wrongValues).toBe(0);
    if (fault.kind !== 'latency') expect(result.cache.get('stale') ?? 0).toBeGreaterThan(0);
    expect((await pool.request({ path: '/ping', method: 'GET' })).statusCode).toBe(200);
  });

  it('reports upstream errors by type in /metrics, and recovers to fresh hits', async () => {
    const metrics = await (await pool.request({ path: '/metrics', method: 'GET' })).body.text();
    expect(metrics).toMatch(/latchkey_upstream_errors_total\{operation="\w+",type="\w+"\} [1-9]/);
    expect(metrics).toMatch(/latchkey_cache_requests_total\{result="stale"\} [1-9]/);
    await expect
      .poll(
        async () => {
          const response = await pool.request({
            path: `/v1/${ids[0]}`,
            method: 'GET',
            headers: { 'X-Aws-Parameters-Secrets-Token': stack.token },
          });
          await response.body.text();
          return response.headers['x-cache'];
        },
        { timeout: 10_000, interval: 200 },
      )
      .toBe('hit');
  });

  it('answers a cold read during a fault with the agent error mapping', async () => {
    for (const [fault, expected] of [
      [{ kind: 'throttling' as const }, [400, 'ThrottlingException']],
      [{ kind: 'internal-error' as const }, [500, 'InternalServiceError']],
      [{ kind: 'connection-reset' as const }, [502, 'ConnectionError']],
    ] as const) {
      // A fresh secret each time: the cache remembers a failure for its backoff period.
      const cold = stack.name(`faults/cold-${fault.kind}`);
      await stack.create(cold, 'cold');
      const id = stack.emulator.faults.inject(fault);
      try {
        const response = await pool.request({
          path: `/v1/${cold}`,
          method: 'GET',
          headers: { 'X-Aws-Parameters-Secrets-Token': stack.token },
        });
        expect([response.statusCode, JSON.parse(await response.body.text()).__type]).toEqual(expected);
      } finally {
        stack.emulator.faults.clear(id);
      }
    }
  });
});

describe('bounded staleness', () => {
  it('stops serving a stale value once it is older than max_stale_seconds, and answers the upstream error', async () => {
    const bounded = await startStack({
      emulator: stack.emulator,
      overrides: [
        { key: 'ttl_seconds', value: '1' },
        { key: 'max_stale_seconds', value: '1' },
      ],
    });
    const id = bounded.name('faults/bounded');
    await bounded.create(id, 'v');
    const read = () =>
      rawRequest(bounded.url, `/v1/${id}`, { headers: { 'X-Aws-Parameters-Secrets-Token': bounded.token } });
    try {
      expect((await read()).status).toBe(200);
      const fault = stack.emulator.faults.inject({ kind: 'internal-error', operation: 'DescribeSecret' });
      const faultGet = stack.emulator.faults.inject({ kind: 'internal-error', operation: 'GetSecretValue' });
      const seen = new Set<string>();
      try {
        await expect
          .poll(
            async () => {
              const response = await read();
              seen.add(`${response.status} ${response.headers['x-cache'] ?? ''}`);
              return response.status;
            },
            { timeout: 15_000, interval: 100 },
          )
          .toBe(500);
      } finally {
        stack.emulator.faults.clear(fault);
        stack.emulator.faults.clear(faultGet);
      }
      // On the way: fresh hits, then stale serves, then the error.
      expect(seen.has('200 stale')).toBe(true);
    } finally {
      await bounded.close();
    }
  });
});

describe('timeouts', () => {
  it('answers 504 TimeoutError when Secrets Manager does not answer within SECRETS_MANAGER_TIMEOUT_MILLIS', async () => {
    const slow = await startStack({
      emulator: stack.emulator,
      env: { SECRETS_MANAGER_TIMEOUT_MILLIS: '200' },
    });
    const id = slow.name('faults/slow');
    await slow.create(id, 'slow');
    const fault = stack.emulator.faults.inject({
      kind: 'latency',
      operation: 'GetSecretValue',
      latencyMs: 2000,
    });
    try {
      const response = await rawRequest(slow.url, `/v1/${id}`, {
        headers: { 'X-Aws-Parameters-Secrets-Token': slow.token },
      });
      expect(response.status).toBe(504);
      expect(JSON.parse(response.body)).toEqual({ __type: 'TimeoutError', message: 'Timeout' });
    } finally {
      stack.emulator.faults.clear(fault);
      await slow.close();
    }
  });
});
