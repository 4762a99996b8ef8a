/**
 * The agent-compatible surface, replayed over real HTTP against the sidecar on the emulator (real AWS SDK client,
 * real SecretsCache): every status, body and ordering case, both path forms, binary, 64 KB, `/` and encodings.
 */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../support/http.js';
import { type Stack, startStack } from '../support/stack.js';

let stack: Stack;
let headers: Record<string, string>;
const names = {} as Record<
  'plain' | 'nested' | 'binary' | 'big' | 'json' | 'versions' | 'coalesce' | 'plus',
  string
>;
const BINARY = new Uint8Array([0, 1, 2, 3, 254, 255, 128, 10]);
const BIG = 'x'.repeat(65_536);

beforeAll(async () => {
  stack = await startStack();
  headers = { 'X-Aws-Parameters-Secrets-Token': stack.token };
  names.plain = stack.name('MyTest');
  names.nested = stack.name('team/app/db');
  names.binary = stack.name('bin');
  names.big = stack.name('big');
  names.json = stack.name('json');
  names.versions = stack.name('versions');
  names.coalesce = stack.name('coalesce');
  names.plus = stack.name('a+b=c@d.e_f');
  await stack.create(names.plain, 'hunter2');
  await stack.create(names.nested, 'nested-value');
  await stack.create(names.binary, BINARY);
  await stack.create(names.big, BIG);
  await stack.create(names.json, JSON.stringify({ user: 'app', password: 'p"w\\d' }));
  await stack.create(names.versions, 'v1');
  await stack.create(names.coalesce, 'once');
  await stack.create(names.plus, 'plus');
});
afterAll(async () => stack?.close());

const get = (path: string, extra: { method?: string; headers?: Record<string, string> } = {}) =>
  rawRequest(stack.url, path, { method: extra.method, headers: { ...headers, ...extra.headers } });

describe('GET /ping', () => {
  it('answers healthy without a token and with X-Forwarded-For', async () => {
    const response = await rawRequest(stack.url, '/ping', { headers: { 'X-Forwarded-For': '10.0.0.1' } });
    expect([response.status, response.body]).toEqual([200, 'healthy']);
  });
  it('still checks the method', async () => {
    expect((await rawRequest(stack.url, '/ping', { method: 'POST' })).status).toBe(405);
  });
});

describe('the 200 body', () => {
  it('is the GetSecretValue JSON in the agent shape, for both forms', async () => {
    const direct = await stack.sm.send(new GetSecretValueCommand({ SecretId: names.plain }));
    const query = await get(`/secretsmanager/get?secretId=${names.plain}`);
    const path = await get(`/v1/${names.plain}`);
    expect(query.status).toBe(200);
    expect(path.body).toBe(query.body);
    const body = JSON.parse(query.body);
    expect(Object.keys(body)).toEqual([
      'ARN',
      'Name',
      'VersionId',
      'SecretString',
      'VersionStages',
      'CreatedDate',
    ]);
    expect(body).toMatchObject({
      ARN: direct.ARN,
      Name: names.plain,
      VersionId: direct.VersionId,
      SecretString: 'hunter2',
      VersionStages: ['AWSCURRENT'],
    });
    expect(body.CreatedDate).toMatch(/^\d+\.\d{3}$/);
    expect(Number(body.CreatedDate) * 1000).toBeCloseTo(direct.CreatedDate?.getTime() ?? 0, -1);
    expect(query.headers['content-type']).toBe('application/json');
  });

  it('reports miss then hit in X-Cache', async () => {
    const name = stack.name('xcache');
    await stack.create(name, 'v');
    expect((await get(`/v1/${name}`)).headers['x-cache']).toBe('miss');
    expect((await get(`/v1/${name}`)).headers['x-cache']).toBe('hit');
  });

  it('sends binary secrets as base64 SecretBinary', async () => {
    const body = JSON.parse((await get(`/v1/${names.binary}`)).body);
    expect(body.SecretString).toBeUndefined();
    expect(Buffer.from(body.SecretBinary, 'base64')).toEqual(Buffer.from(BINARY));
  });

  it('carries a 64 KB secret intact', async () => {
    const response = await get(`/secretsmanager/get?secretId=${names.big}`);
    expect(JSON.parse(response.body).SecretString).toBe(BIG);
  });

  it('escapes JSON in values', async () => {
    const body = JSON.parse((await get(`/v1/${names.json}`)).body);
    expect(JSON.parse(body.SecretString)).toEqual({ user: 'app', password: 'p"w\\d' });
  });

  it('takes names with / in the path form, raw or percent-encoded, and in the query form encoded', async () => {
    const raw = await get(`/v1/${names.nested}`);
    const encodedPath = await get(`/v1/${encodeURIComponent(names.nested)}`);
    const encodedQuery = await get(`/secretsmanager/get?secretId=${encodeURIComponent(names.nested)}`);
    expect(JSON.parse(raw.body).SecretString).toBe('nested-value');
    expect(encodedPath.body).toBe(raw.body);
    expect(encodedQuery.body).toBe(raw.body);
  });

  it('decodes + as a space in query values, so a literal + is %2B; the path form keeps +', async () => {
    expect((await get(`/secretsmanager/get?secretId=${names.plus}`)).status).toBe(400);
    expect((await get(`/secretsmanager/get?secretId=${encodeURIComponent(names.plus)}`)).status).toBe(200);
    expect((await get(`/v1/${names.plus}`)).status).toBe(200);
  });

  it('accepts the full ARN as the id', async () => {
    const { ARN } = await stack.sm.send(new DescribeSecretCommand({ SecretId: names.plain }));
    expect(
      JSON.parse((await get(`/secretsmanager/get?secretId=${encodeURIComponent(ARN ?? '')}`)).body).Name,
    ).toBe(names.plain);
  });

  it('serves versionStage and versionId, and refreshNow goes upstream', async () => {
    const first = JSON.parse((await get(`/v1/${names.versions}`)).body);
    await stack.sm.send(new PutSecretValueCommand({ SecretId: names.versions, SecretString: 'v2' }));
    // Cached until the TTL: still v1. refreshNow (any case of true/1) goes upstream, at most once a second per
    // secret (the cache's rate limit; within it the value just fetched is returned).
    expect(JSON.parse((await get(`/v1/${names.versions}`)).body).SecretString).toBe('v1');
    await expect
      .poll(async () => JSON.parse((await get(`/v1/${names.versions}?refreshNow=TRUE`)).body).SecretString, {
        timeout: 5000,
        interval: 200,
      })
      .toBe('v2');
    expect(JSON.parse((await get(`/v1/${names.versions}?refreshNow=0`)).body).SecretString).toBe('v2');
    const previous = JSON.parse((await get(`/v1/${names.versions}?versionStage=AWSPREVIOUS`)).body);
    expect([previous.SecretString, previous.VersionId]).toEqual(['v1', first.VersionId]);
    const byId = JSON.parse(
      (await get(`/secretsmanager/get?secretId=${names.versions}&versionId=${first.VersionId}`)).body,
    );
    expect(byId.SecretString).toBe('v1');
  });

  it('makes one upstream call for 200 concurrent cold requests', async () => {
    const before = stack.emulator.calls('GetSecretValue');
    const responses = await Promise.all(
      Array.from({ length: 200 }, () =>
        request(`${stack.url}/v1/${names.coalesce}`, { headers }).then(
          async (r) => [r.statusCode, await r.body.text()] as const,
        ),
      ),
    );
    expect(responses.every(([status]) => status === 200)).toBe(true);
    expect(stack.emulator.calls('GetSecretValue') - before).toBe(1);
  });
});

describe('errors', () => {
  it('passes not found through as 400 with the upstream __type and message, as valid JSON', async () => {
    const response = await get(`/v1/${stack.name('absent')}`);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/json');
    const body = JSON.parse(response.body);
    expect(body.__type).toBe('ResourceNotFoundException');
    expect(typeof body.message).toBe('string');
  });

  it.each([
    ['GET', '/nope', {}, 403, 'Bad Token'],
    ['POST', '/nope', {}, 403, 'Bad Token'],
    ['GET', '/nope', { 'X-Forwarded-For': 'x' }, 400, 'Forwarded'],
    ['POST', '/v1/x', 'token', 405, 'Not allowed'],
    ['DELETE', '/nope', 'token', 405, 'Not allowed'],
    ['GET', '/nope', 'token', 404, 'Not found'],
    ['GET', '/secretsmanager/get', 'token', 400, 'missing parameter secretId'],
    ['GET', '/secretsmanager/get?secretId=a&versionstage=x', 'token', 400, 'unknown parameter: versionstage'],
    ['GET', '/v1/', 'token', 400, 'missing secret ID'],
    ['GET', '/v1/a?refreshNow=2', 'token', 400, 'invalid refreshNow value'],
    [
      'GET',
      '/v1/a?roleArn=arn:aws:iam::123456789012:user/x',
      'token',
      400,
      'invalid roleArn format, expected arn:<partition>:iam::<account>:role/<name>',
    ],
  ] as const)('%s %s (case %#)', async (method, path, extra, status, body) => {
    const requestHeaders = extra === 'token' ? headers : extra;
    const response = await rawRequest(stack.url, path, { method, headers: requestHeaders });
    expect([response.status, response.body]).toEqual([status, body]);
  });

  it('checks the token before any upstream call', async () => {
    const before = stack.emulator.calls('GetSecretValue');
    await rawRequest(stack.url, `/v1/${names.plain}?refreshNow=true`, {
      headers: { 'X-Vault-Token': 'wrong' },
    });
    expect(stack.emulator.calls('GetSecretValue')).toBe(before);
  });

  it('reads through an assumed role with roleArn', async () => {
    const roleArn = `arn:aws:iam::${stack.emulator.accountId}:role/reader`;
    const response = await get(`/v1/${names.plain}?roleArn=${encodeURIComponent(roleArn)}`);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).SecretString).toBe('hunter2');
  });
});

describe('batch', () => {
  it('answers values and per-secret errors through one BatchGetSecretValue', async () => {
    const a = stack.name('batch-a');
    const b = stack.name('batch-b');
    await stack.create(a, 'A');
    await stack.create(b, 'B');
    const before = stack.emulator.calls('BatchGetSecretValue');
    const absent = stack.name('batch-absent');
    const response = await get(`/secretsmanager/batch?secretId=${a}&secretId=${b}&secretId=${absent}`);
    expect(response.status).toBe(200);
    const body = JSON.parse(response.body);
    expect(body.SecretValues.map((value: { SecretString: string }) => value.SecretString).sort()).toEqual([
      'A',
      'B',
    ]);
    expect(
      body.Errors.map((error: { SecretId: string; ErrorCode: string }) => [error.SecretId, error.ErrorCode]),
    ).toEqual([[absent, 'ResourceNotFoundException']]);
    expect(stack.emulator.calls('BatchGetSecretValue') - before).toBe(1);
  });

  it('refuses more than 20 ids', async () => {
    const query = Array.from({ length: 21 }, (_, i) => `secretId=s${i}`).join('&');
    expect((await get(`/secretsmanager/batch?${query}`)).status).toBe(400);
  });
});

describe('metrics', () => {
  it('exposes HTTP, cache and upstream metrics without a token', async () => {
    const response = await rawRequest(stack.url, '/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    for (const name of [
      'latchkey_http_requests_total{route="path",status="200"}',
      'latchkey_http_open_connections',
      'latchkey_cache_requests_total{result="hit"}',
      'latchkey_cache_requests_total{result="miss"}',
      'latchkey_upstream_requests_total{operation="GetSecretValue"}',
      'latchkey_upstream_request_duration_seconds_bucket',
      'latchkey_sidecar_process_cpu_seconds_total',
      'latchkey_sidecar_nodejs_heap_size_used_bytes',
      'latchkey_sidecar_nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(response.body).toContain(name);
    }
    // No per-collection GC observer: it cost about 2 µs per request.
    expect(response.body).not.toContain('latchkey_sidecar_nodejs_gc_duration_seconds');
  });

  it('reports event-loop delays from the scrape after the first, which starts their monitor', async () => {
    const p99 = async () => {
      const { body } = await rawRequest(stack.url, '/metrics');
      return Number(/^latchkey_sidecar_nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(body)?.[1]);
    };
    await p99();
    // The monitor samples every 10 ms; some delay, however small, is recorded within the poll's deadline.
    await expect.poll(p99, { timeout: 5_000, interval: 50 }).toBeGreaterThan(0);
  });
});
