/**
 * What people read when a command fails: one line naming the problem and what to do, no JSON log line before it
 * (JSON logs stay for `serve` and come back with `--log-level`), and usage errors exit 2, others 1.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_BIN, runCli } from '../support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-fail-'));
let busy: Server;
let busyPort: number;
/** An endpoint nothing listens on: every upstream call fails at once. */
let deadEndpoint: string;

beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as { port: number }).port;
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  deadEndpoint = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
  await new Promise((resolve) => closed.close(resolve));
});
afterAll(async () => {
  await new Promise((resolve) => busy?.close(resolve));
});

/** Each command, with `flags` placed before a `--`. */
const FAILING: [string, (flags: string[]) => string[]][] = [
  ['get', (flags) => ['get', 'app/db', ...flags]],
  ['run', (flags) => ['run', '--env', 'X=app/db', ...flags, '--', process.execPath, '-e', '0']],
  ['render', (flags) => ['render', '--secret', 'app/db', '--out', join(dir, 'out'), ...flags]],
  ['audit', (flags) => ['audit', ...flags]],
];

/** The test environment without any region setting. */
function withoutRegion(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_CONFIG_FILE: join(dir, 'no-config') };
  for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) delete env[name];
  return env;
}

function runWithEnv(args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, [DIST_BIN, ...args], { env, timeout: 30_000 }, (error, _stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

describe('a failing latchkey get/run/render/audit', () => {
  it.each(FAILING)('%s prints one human line and exits 1', async (name, args) => {
    const result = await runCli(DIST_BIN, args(['--endpoint', deadEndpoint]));
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^latchkey ${name}: .*ECONNREFUSED`));
    expect(result.stderr).not.toContain('{"level"');
  });

  it.each(FAILING.filter(([name]) => name !== 'audit'))(
    '%s --log-level debug shows the JSON logs too',
    async (_name, args) => {
      const result = await runCli(DIST_BIN, args(['--endpoint', deadEndpoint, '--log-level', 'debug']));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('{"level"');
    },
  );

  it.each(FAILING)('%s without a region (or with AWS_REGION="") says how to set one', async (name, args) => {
    for (const env of [withoutRegion(), { ...withoutRegion(), AWS_REGION: '' }]) {
      const result = await runWithEnv(args([]), env);
      expect(result.code).toBe(1);
      expect(result.stderr.trimEnd().split('\n')).toEqual([
        `latchkey ${name}: no AWS region is set: set AWS_REGION (or a region in the AWS config file) or pass --region <region>`,
      ]);
    }
  });
});

describe('usage errors and ports in use', () => {
  it('exits 2 for a usage error: no command, an unknown command or flag, a missing argument', async () => {
    for (const args of [[], ['frobnicate'], ['get', '--bogus'], ['get'], ['audit', '--fail-on', 'severe']]) {
      const result = await runCli(DIST_BIN, args);
      expect([args.join(' '), result.code]).toEqual([args.join(' '), 2]);
    }
  });

  it('serve on a port in use names --http-port', async () => {
    const result = await runCli(
      DIST_BIN,
      ['serve', '--http-port', String(busyPort), '--validate-credentials', 'false'],
      { AWS_TOKEN: 't' },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `latchkey serve: port ${busyPort} on 127.0.0.1 is in use: pass --http-port <port> (or set http_port) to listen on another`,
    );
  });
});
