/**
 * Fuzz: thousands of malformed requests (random paths and parameters, bad percent-encoding, invalid UTF-8, control
 * bytes, huge headers, bogus methods) and slow clients. Each is answered with a 4xx or a closed connection; the
 * process stays up and its memory stays bounded. Deterministic (seeded), so a failure reproduces.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../support/http.js';
import { type Stack, startStack } from '../support/stack.js';

let stack: Stack;
let port: number;

beforeAll(async () => {
  stack = await startStack({ overrides: [{ key: 'max_conn', value: '1000' }] });
  port = Number(new URL(stack.url).port);
  await stack.create(stack.name('fuzz/known'), 'known');
});
afterAll(async () => stack?.close());

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '/',
  '%',
  '%2',
  '%zz',
  '%FF',
  '%C3%28',
  '%00',
  '?',
  '&',
  '=',
  '+',
  '#',
  '..',
  'v1',
  'secretsmanager',
  'get',
  'batch',
  'secretId',
  'versionId',
  'refreshNow',
  'roleArn',
  'name',
  'version',
  'label',
  'withDecryption',
  '/aws/reference/secretsmanager/',
  'ping',
  'metrics',
  'ready',
  'é',
  '\u{1F511}',
  ' ',
  '\t',
  'a',
  'Z',
  '9',
  ';',
  '*',
];
const RAW_BYTES = [0x00, 0x01, 0x0b, 0x7f, 0x80, 0xc3, 0xff, 0xfe];

function randomRequest(random: () => number, token: string): Buffer {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  let path = pick([
    '/',
    '/v1/',
    '/secretsmanager/get?',
    '/secretsmanager/batch?',
    '/systemsmanager/parameters/get?',
    '/systemsmanager/parameters/get?name=',
    '/ping',
    '',
  ]);
  const length = Math.floor(random() * 12);
  for (let i = 0; i < length; i++) path += pick(PIECES);
  const method = pick(['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'BREW', 'G\u00c9T']);
  const headers: string[] = [];
  if (random() < 0.4) headers.push(`X-Aws-Parameters-Secrets-Token: ${token}`);
  if (random() < 0.1) headers.push('X-Forwarded-For: 1.2.3.4');
  if (random() < 0.05) headers.push(`X-Big: ${'h'.repeat(20_000 + Math.floor(random() * 20_000))}`);
  if (random() < 0.05) headers.push('Content-Length: 5', 'Transfer-Encoding: chunked');
  if (random() < 0.05) headers.push('Bad Header Without Colon');
  const head = Buffer.from(
    `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`,
    'latin1',
  );
  if (random() < 0.15) {
    // Splice raw bytes (invalid UTF-8, control characters) into the request line.
    const bytes = Buffer.from(head);
    const at = 4 + Math.floor(random() * Math.max(1, path.length));
    bytes[Math.min(at, bytes.length - 1)] = pick(RAW_BYTES);
    return bytes;
  }
  return head;
}

/** Send raw bytes; resolve with the status code (0 when the connection closed without a response). */
function exchange(data: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => socket.destroy(), 10_000);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      resolve(match ? Number(match[1]) : 0);
    });
    socket.end(data);
  });
}

describe('fuzz', () => {
  it('answers thousands of malformed requests with a 4xx or a closed connection, and stays up', async () => {
    const random = prng(0x1a7c4e);
    const rssBefore = process.memoryUsage().rss;
    const statuses = new Map<number, number>();
    const total = 3000;
    const concurrency = 50;
    let sent = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (sent < total) {
          sent++;
          const status = await exchange(randomRequest(random, stack.token));
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    const unexpected = [...statuses.keys()].filter(
      (status) => status !== 0 && (status < 400 || status > 499) && status !== 200 /* GET /ping */,
    );
    expect(unexpected).toEqual([]);
    // The generator reaches every refusal the check order has.
    for (const status of [400, 403, 404, 405, 431])
      expect(statuses.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0);
    // And malformed parameter names reach Parameter Store (the emulator), whose refusals stay 4xx too.
    expect(stack.emulator.calls('GetParameter')).toBeGreaterThan(0);
    expect((await rawRequest(stack.url, '/ping')).body).toBe('healthy');
    const known = await rawRequest(stack.url, `/v1/${stack.name('fuzz/known')}`, {
      headers: { 'X-Aws-Parameters-Secrets-Token': stack.token },
    });
    expect(JSON.parse(known.body).SecretString).toBe('known');
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(150 * 1024 * 1024);
  });

  it('keeps serving while slow clients trickle their headers', async () => {
    const slow: Socket[] = [];
    for (let i = 0; i < 40; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write('GET /v1/');
      slow.push(socket);
    }
    const trickle = setInterval(() => {
      for (const socket of slow) if (!socket.destroyed) socket.write('a');
    }, 50);
    try {
      for (let i = 0; i < 20; i++) {
        expect((await rawRequest(stack.url, '/ping')).status).toBe(200);
      }
      const known = await rawRequest(stack.url, `/v1/${stack.name('fuzz/known')}`, {
        headers: { 'X-Aws-Parameters-Secrets-Token': stack.token },
      });
      expect(known.status).toBe(200);
    } finally {
      clearInterval(trickle);
      for (const socket of slow) socket.destroy();
    }
  });
});
