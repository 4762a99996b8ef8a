/** `latchkey health`, the exec probe: finds the sidecar as `serve` would listen and exits 0 only on a 200. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '@latchkey/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_BIN, runCli } from '../support/process.js';
import { type Stack, startStack } from '../support/stack.js';

let stack: Stack;
let port: string;
const dir = mkdtempSync(join(tmpdir(), 'latchkey-health-'));

beforeAll(async () => {
  // The upstream fails, so the prefetch never completes: alive (/ping 200) but not ready (/ready 503).
  const emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
  emulator.faults.inject({ kind: 'internal-error' });
  stack = await startStack({ emulator, overrides: [{ key: 'prefetch', value: 'health/not-yet' }] });
  port = new URL(stack.url).port;
});
afterAll(async () => {
  await stack?.close();
  await stack?.emulator.close();
});

/** A port nothing listens on: one the system gave a server that has since closed. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return String(free);
}

describe('latchkey health', () => {
  it('exits 0 when /ping answers, on the port from the flag or from the configuration file', async () => {
    const byFlag = await runCli(DIST_BIN, ['health', '--http-port', port]);
    expect(byFlag).toMatchObject({ code: 0, stderr: '' });
    const config = join(dir, 'latchkey.toml');
    writeFileSync(config, `http_port = ${port}\n`);
    expect((await runCli(DIST_BIN, ['health', '--config', config])).code).toBe(0);
  });

  it('exits 1 with the status when --ready asks a sidecar that is still loading its prefetch list', async () => {
    const result = await runCli(DIST_BIN, ['health', '--ready', '--http-port', port]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`/ready on 127.0.0.1:${port} answered 503`);
  });

  it('exits 1 naming the address when nothing listens there', async () => {
    const free = await closedPort();
    const result = await runCli(DIST_BIN, ['health', '--http-port', free]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`/ping on 127.0.0.1:${free}: connect ECONNREFUSED`);
  });

  it('names a bad flag value, exiting 2 as every usage error does', async () => {
    const result = await runCli(DIST_BIN, ['health', '--timeout-ms', 'soon']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--timeout-ms must be a positive whole number, not "soon"');
  });
});
