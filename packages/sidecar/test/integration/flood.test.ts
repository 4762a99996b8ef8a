/**
 * A connection flood: 1,000 connections held open without completing a request, each re-opened as soon as it is
 * closed, from another process. Meanwhile `/ping` and an authorised cache-hit GET must each succeed, answered
 * within 1 s, in at least 99% of attempts. Bounded: about five seconds of flood.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../support/stack.js';

const FLOOD_SOCKETS = 1000;
const FLOOD_MS = 5000;
const ANSWER_WITHIN_MS = 1000;

/** Opens `count` connections to `port`, each sending half a request line and headers and never finishing it,
 * re-opened as soon as the server closes it; prints `ready` once all are open, and how many it opened at the end. */
const ATTACKER = `
import { connect } from 'node:net';
const [port, count, ms] = process.argv.slice(-3).map(Number);
let opened = 0;
let connected = 0;
let stopping = false;
function open() {
  if (stopping) return;
  opened++;
  const socket = connect(port, '127.0.0.1', () => {
    socket.write('GET /v1/x HTTP/1.1\\r\\nHost: localhost\\r\\n');
    if (++connected === count) console.log('ready');
  });
  socket.on('error', () => undefined);
  socket.on('close', () => setImmediate(open));
}
for (let i = 0; i < count; i++) open();
setTimeout(() => {
  stopping = true;
  console.log('opened ' + opened);
  process.exit(0);
}, ms);
`;

let stack: Stack;
let secret: string;

beforeAll(async () => {
  stack = await startStack();
  secret = stack.name('flooded');
  await stack.create(secret, 'value');
});
afterAll(async () => stack?.close());

/** One request on a new connection: whether it was answered 200 within ANSWER_WITHIN_MS. */
function answeredInTime(path: string, headers: Record<string, string>): Promise<boolean> {
  const url = new URL(stack.url);
  return new Promise((resolve) => {
    const req = request(
      { host: url.hostname, port: url.port, path, headers, agent: false, timeout: ANSWER_WITHIN_MS },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      },
    );
    const timer = setTimeout(() => req.destroy(), ANSWER_WITHIN_MS);
    req.on('close', () => clearTimeout(timer));
    req.on('error', () => resolve(false));
    req.end();
  });
}

describe('a connection flood', () => {
  it('leaves /ping and a cache-hit GET answering within 1 s in at least 99% of attempts', async () => {
    const auth = { 'X-Aws-Parameters-Secrets-Token': stack.token };
    expect(await answeredInTime(`/v1/${secret}`, auth)).toBe(true);
    const attacker = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        ATTACKER,
        '--',
        new URL(stack.url).port,
        String(FLOOD_SOCKETS),
        String(FLOOD_MS),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    attacker.stdout.setEncoding('utf8');
    const ready = new Promise<void>((resolve) => {
      attacker.stdout.on('data', (chunk: string) => {
        output += chunk;
        if (output.includes('ready')) resolve();
      });
    });
    const exited = once(attacker, 'exit');
    await Promise.race([ready, exited]);
    const outcomes = { ping: [] as boolean[], get: [] as boolean[] };
    while (attacker.exitCode === null) {
      const [ping, get] = await Promise.all([
        answeredInTime('/ping', {}),
        answeredInTime(`/v1/${secret}`, auth),
      ]);
      if (attacker.exitCode !== null) break;
      outcomes.ping.push(ping);
      outcomes.get.push(get);
    }
    await exited;
    const opened = Number(/opened (\d+)/.exec(output)?.[1] ?? 0);
    expect(opened).toBeGreaterThanOrEqual(FLOOD_SOCKETS);
    for (const [probe, results] of Object.entries(outcomes)) {
      const succeeded = results.filter(Boolean).length;
      expect({ probe, attempts: results.length > 10, rate: succeeded / results.length >= 0.99 }).toEqual({
        probe,
        attempts: true,
        rate: true,
      });
    }
  }, 30_000);
});
