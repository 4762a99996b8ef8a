import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeReader, secretValue } from '../support/fake-reader.js';
import { rawRequest } from '../support/http.js';
import { type FakeSidecar, startFakeSidecar, TOKEN } from '../support/start.js';

const AUTH = { 'X-Aws-Parameters-Secrets-Token': TOKEN };
let running: FakeSidecar | undefined;
afterEach(async () => {
  await running?.sidecar.close();
  running = undefined;
});

async function start(options: Parameters<typeof startFakeSidecar>[0] = {}): Promise<FakeSidecar> {
  const reader = options.reader ?? new FakeReader();
  reader
    .put(secretValue('MyTest', 'hunter2'))
    .put(secretValue('My/Nested/Name', 'nested'))
    .put(secretValue('bin', new Uint8Array([0, 1, 2, 255])));
  running = await startFakeSidecar({ ...options, reader });
  return running;
}

describe('check order and status codes', () => {
  it('answers /ping without a token, and checks its method', async () => {
    const { url } = await start();
    const ping = await rawRequest(url, '/ping', { headers: { 'X-Forwarded-For': '1.2.3.4' } });
    expect([ping.status, ping.body]).toEqual([200, 'healthy']);
    expect((await rawRequest(url, '/ping', { method: 'POST' })).status).toBe(405);
  });

  it.each([
    ['forwarded before token', { 'X-Forwarded-For': '1.2.3.4' }, 'GET', '/nope', 400, 'Forwarded'],
    ['Forwarded header', { Forwarded: 'for=1.2.3.4', ...AUTH }, 'GET', '/v1/MyTest', 400, 'Forwarded'],
    ['X-Real-IP header', { 'X-Real-IP': '1.2.3.4', ...AUTH }, 'GET', '/v1/MyTest', 400, 'Forwarded'],
    [
      'forwarding header in any case',
      { 'x-FORWARDED-For': '1.2.3.4', ...AUTH },
      'GET',
      '/v1/MyTest',
      400,
      'Forwarded',
    ],
    [
      'token header in any case',
      { 'x-aws-PARAMETERS-secrets-TOKEN': TOKEN },
      'GET',
      '/nope',
      404,
      'Not found',
    ],
    ['wrong token in any case', { 'X-VAULT-TOKEN': 'nope' }, 'GET', '/nope', 403, 'Bad Token'],
    ['token before method', {}, 'POST', '/v1/MyTest', 403, 'Bad Token'],
    ['token before route', {}, 'GET', '/nope', 403, 'Bad Token'],
    ['wrong token', { 'X-Aws-Parameters-Secrets-Token': 'nope' }, 'GET', '/v1/MyTest', 403, 'Bad Token'],
    ['method before route', AUTH, 'POST', '/nope', 405, 'Not allowed'],
    ['unknown route', AUTH, 'GET', '/nope', 404, 'Not found'],
    [
      'trailing slash is not the query route',
      AUTH,
      'GET',
      '/secretsmanager/get/?secretId=MyTest',
      404,
      'Not found',
    ],
    [
      'unknown parameter',
      AUTH,
      'GET',
      '/secretsmanager/get?secretId=MyTest&SecretId=x',
      400,
      'unknown parameter: SecretId',
    ],
    ['secretId in the path form', AUTH, 'GET', '/v1/MyTest?secretId=x', 400, 'unknown parameter: secretId'],
    ['missing secretId', AUTH, 'GET', '/secretsmanager/get', 400, 'missing parameter secretId'],
    ['empty secretId', AUTH, 'GET', '/secretsmanager/get?secretId=', 400, 'missing parameter secretId'],
    ['empty path id', AUTH, 'GET', '/v1/', 400, 'missing secret ID'],
    ['bad refreshNow', AUTH, 'GET', '/v1/MyTest?refreshNow=yes', 400, 'invalid refreshNow value'],
    [
      'bad roleArn',
      AUTH,
      'GET',
      '/v1/MyTest?roleArn=arn:aws:iam::12:role/x',
      400,
      'invalid roleArn format, expected arn:<partition>:iam::<account>:role/<name>',
    ],
    ['bad percent-encoding', AUTH, 'GET', '/v1/My%zz', 400, 'invalid percent-encoding in secret ID'],
  ])('%s', async (_name, headers, method, path, status, body) => {
    const { url } = await start();
    const response = await rawRequest(url, path, { method, headers });
    expect([response.status, response.body]).toEqual([status, body]);
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('accepts the alias header X-Vault-Token', async () => {
    const { url } = await start();
    expect((await rawRequest(url, '/v1/MyTest', { headers: { 'X-Vault-Token': TOKEN } })).status).toBe(200);
  });

  it('uses only the first value of a repeated token header', async () => {
    const { url } = await start();
    const headers = { 'X-Aws-Parameters-Secrets-Token': ['wrong', TOKEN] };
    expect((await rawRequest(url, '/v1/MyTest', { headers })).status).toBe(403);
  });
});

describe('secret responses', () => {
  it('renders the agent body for both forms, with X-Cache and a JSON content type', async () => {
    const { url, reader } = await start();
    const query = await rawRequest(url, '/secretsmanager/get?secretId=MyTest', { headers: AUTH });
    const path = await rawRequest(url, '/v1/MyTest', { headers: AUTH });
    expect(query.status).toBe(200);
    expect(query.body).toBe(path.body);
    expect(query.body).toBe(
      '{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:MyTest-AbCdEf","Name":"MyTest","VersionId":"v1","SecretString":"hunter2","VersionStages":["AWSCURRENT"],"CreatedDate":"1569534789.046"}',
    );
    expect(query.headers['content-type']).toBe('application/json');
    expect(query.headers['x-cache']).toBe('hit');
    expect(reader.calls.map((call) => call.secretId)).toEqual(['MyTest', 'MyTest']);
  });

  it('sends X-Cache only with a secret, and the other headers with every answer', async () => {
    const { url } = await start();
    for (const [path, headers, status] of [
      ['/v1/MyTest', AUTH, 200],
      ['/v1/missing', AUTH, 400],
      ['/nope', AUTH, 404],
      ['/v1/MyTest', {}, 403],
      ['/ping', {}, 200],
    ] as const) {
      const response = await rawRequest(url, path, { headers });
      expect(response.status).toBe(status);
      expect('x-cache' in response.headers).toBe(status === 200 && path !== '/ping');
      expect(response.headers['content-length']).toBe(String(Buffer.byteLength(response.body)));
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-z]{5}-[0-9a-z]+$/);
    }
  });

  it('passes versionId, versionStage and refreshNow; decodes + and %XX in values; last repeat wins', async () => {
    const { url, reader } = await start();
    await rawRequest(
      url,
      '/secretsmanager/get?secretId=x&secretId=MyTest&versionStage=AWS%43URRENT&versionId=a+b&refreshNow=TRUE',
      { headers: AUTH },
    );
    expect(reader.calls.at(-1)).toEqual({
      secretId: 'MyTest',
      options: { versionId: 'a b', versionStage: 'AWSCURRENT', forceRefresh: true },
    });
  });

  it('takes ids with / in the path form, and percent-decodes them', async () => {
    const { url } = await start();
    const plain = await rawRequest(url, '/v1/My/Nested/Name', { headers: AUTH });
    const encoded = await rawRequest(url, '/v1/My%2FNested%2FName', { headers: AUTH });
    expect(JSON.parse(plain.body).SecretString).toBe('nested');
    expect(encoded.body).toBe(plain.body);
  });

  it('sends binary secrets base64-encoded', async () => {
    const { url } = await start();
    const body = JSON.parse((await rawRequest(url, '/v1/bin', { headers: AUTH })).body);
    expect(body.SecretBinary).toBe('AAEC/w==');
    expect(body.SecretString).toBeUndefined();
  });

  it('sends CreatedDate as a number when configured', async () => {
    const { url } = await start({ overrides: [{ key: 'created_date', value: 'number' }] });
    expect(JSON.parse((await rawRequest(url, '/v1/MyTest', { headers: AUTH })).body).CreatedDate).toBe(
      1569534789.046,
    );
  });

  it('passes upstream errors through as valid JSON with their status', async () => {
    const { url } = await start();
    const response = await rawRequest(url, '/v1/Missing', { headers: AUTH });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body)).toEqual({
      __type: 'ResourceNotFoundException',
      message: 'Secret Missing not found',
    });
  });

  it('answers the batch route with values and per-secret errors', async () => {
    const { url } = await start();
    const response = await rawRequest(url, '/secretsmanager/batch?secretId=MyTest&secretId=Missing', {
      headers: AUTH,
    });
    const body = JSON.parse(response.body);
    expect(response.status).toBe(200);
    expect(body.SecretValues.map((value: { Name: string }) => value.Name)).toEqual(['MyTest']);
    expect(body.Errors).toEqual([
      { SecretId: 'Missing', ErrorCode: 'ResourceNotFoundException', Message: 'Secret Missing not found' },
    ]);
  });
});

describe('listeners and connections', () => {
  it('listens on ::1 and on a Unix socket with the configured mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-sock-'));
    const socketPath = join(dir, 'sidecar.sock');
    const { sidecar } = await start({
      overrides: [
        { key: 'bind', value: '127.0.0.1,::1' },
        { key: 'unix_socket', value: socketPath },
        { key: 'unix_socket_mode', value: '0600' },
      ],
    });
    const v6 = sidecar.addresses.find((address) => address.kind === 'tcp' && address.host === '::1');
    if (v6?.kind === 'tcp') {
      expect((await rawRequest(`http://[::1]:${v6.port}`, '/v1/MyTest', { headers: AUTH })).status).toBe(200);
    }
    const { statSync } = await import('node:fs');
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    const viaSocket = await rawRequest('http://localhost', '/v1/MyTest', { headers: AUTH, socketPath });
    expect(viaSocket.status).toBe(200);
  });

  it('answers 429 past max_conn while every connection serves a request, and lets /ping use two more', async () => {
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const reader = new FakeReader();
    const lookup = reader.lookup.bind(reader);
    let entered = 0;
    reader.lookup = async (id, options) => {
      entered++;
      await slow;
      return lookup(id, options);
    };
    const { url } = await start({ reader, overrides: [{ key: 'max_conn', value: '2' }] });
    const busy = [1, 2].map(() => rawRequest(url, '/v1/MyTest', { headers: AUTH }));
    await expect.poll(() => entered).toBe(2);
    // Those two plus this request's own connection make three.
    const limited = await rawRequest(url, '/v1/MyTest', { headers: AUTH });
    expect([limited.status, limited.body]).toEqual([429, 'Connection limit exceeded']);
    expect((await rawRequest(url, '/ping')).status).toBe(200);
    release();
    expect((await Promise.all(busy)).map((response) => response.status)).toEqual([200, 200]);
  });

  it('at max_conn, closes the oldest connection not serving a request to let a new one in', async () => {
    const { url, sidecar } = await start({ overrides: [{ key: 'max_conn', value: '2' }] });
    const { port, hostname } = new URL(url);
    const gauge = sidecar.metrics.registry.getSingleMetric('latchkey_http_open_connections');
    const openConnections = async () => (await gauge?.get())?.values[0]?.value;
    // Resolves once the sidecar counts the new connection, so the order of connections is the order of opening.
    const open = async (head: string) => {
      const before = await openConnections();
      const socket = await new Promise<ReturnType<typeof connect>>((resolve) => {
        const opened = connect(Number(port), hostname, () => {
          opened.write(head);
          resolve(opened);
        });
        opened.on('error', () => undefined);
      });
      await expect.poll(openConnections).toBe((before ?? 0) + 1);
      return socket;
    };
    const closed = (socket: ReturnType<typeof connect>) =>
      new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
    const HALF = 'GET /v1/MyTest HTTP/1.1\r\nHost: x\r\n';
    // A connection that stops half-way through its headers, then one that never sends a byte: the limit is reached.
    const halfSent = await open(HALF);
    const silent = await open('');
    try {
      expect((await rawRequest(url, '/v1/MyTest', { headers: AUTH })).status).toBe(200);
      await closed(halfSent);
      expect(silent.destroyed).toBe(false);
      const another = await open(HALF);
      expect((await rawRequest(url, '/v1/MyTest', { headers: AUTH })).status).toBe(200);
      await closed(silent);
      another.destroy();
    } finally {
      for (const socket of [halfSent, silent]) socket.destroy();
    }
  });

  it('finishes in-flight requests on close and then stops accepting', async () => {
    let release: () => void = () => undefined;
    const reader = new FakeReader();
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const lookup = reader.lookup.bind(reader);
    let entered = 0;
    reader.lookup = async (id, options) => {
      entered++;
      await slow;
      return lookup(id, options);
    };
    const { url, sidecar } = await start({ reader });
    const inFlight = rawRequest(url, '/v1/MyTest', { headers: AUTH });
    await expect.poll(() => entered).toBe(1);
    const closing = sidecar.close();
    await expect(rawRequest(url, '/ping')).rejects.toThrow();
    release();
    expect((await inFlight).status).toBe(200);
    await closing;
    running = undefined;
  });
});

describe('tokens', () => {
  it('exits with a message naming the variables when there is no token', async () => {
    await expect(startFakeSidecar({ env: {} })).rejects.toThrow(
      /AWS_TOKEN, AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN/,
    );
  });

  it.each([
    [
      're-reads a file:// token on change and accepts the old one during the grace period',
      { overrides: [{ key: 'token_reload_interval_ms', value: '50' }], reload: false, oldTokenAfter: 200 },
    ],
    [
      'drops the old token after the grace period, and reads the file at once on reload',
      { overrides: [{ key: 'token_grace_seconds', value: '0' }], reload: true, oldTokenAfter: 403 },
    ],
  ])('%s', async (_title, { overrides, reload, oldTokenAfter }) => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-token-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'old-token\n');
    const { url, logs, sidecar } = await start({ env: { AWS_TOKEN: `file://${file}` }, overrides });
    const as = (token: string) =>
      rawRequest(url, '/v1/MyTest', { headers: { 'X-Aws-Parameters-Secrets-Token': token } });
    // Used before the change, so the sidecar has seen (and recognises) it.
    expect((await as('old-token')).status).toBe(200);
    expect((await as('new-token')).status).toBe(403);
    writeFileSync(file, 'new-token\n');
    const newTokenStatus = async () => (await as('new-token')).status;
    if (reload) {
      sidecar.reload();
      expect(await newTokenStatus()).toBe(200);
    } else {
      // A deadline, not a wait: generous because a loaded machine can delay the stat polling.
      await expect.poll(newTokenStatus, { timeout: 20_000 }).toBe(200);
    }
    expect((await as('old-token')).status).toBe(oldTokenAfter);
    expect(logs.text).not.toContain('new-token');
    expect(logs.text).not.toContain('old-token');
  });
});
