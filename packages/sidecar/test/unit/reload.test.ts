/** SIGHUP with a configuration file (what `serve` does on `kill -HUP`): what a reload applies at once, what waits
 * for a restart, and the tokens it keeps valid. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { Sidecar } from '../../src/sidecar.js';
import { captureLogger, LineCapture } from '../support/capture.js';
import { FakeParameters } from '../support/fake-parameters.js';
import { FakeReader, secretValue } from '../support/fake-reader.js';
import { rawRequest } from '../support/http.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-reload-'));
let counter = 0;
const path = (name: string) => join(dir, `${++counter}-${name}`);

interface Running {
  readonly sidecar: Sidecar;
  readonly logs: LineCapture;
  /** Re-reads the file, as SIGHUP does. */
  reload(): void;
  as(token: string): Promise<number>;
}

const running: Sidecar[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sidecar) => sidecar.close()));
});

async function start(file: string, env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const load = () =>
    loadConfig({
      file,
      env,
      overrides: [
        { key: 'http_port', value: '0' },
        { key: 'bind', value: '127.0.0.1' },
      ],
    });
  const logs = new LineCapture();
  const reader = new FakeReader().put(secretValue('MyTest', 'value'));
  const parameters = new FakeParameters();
  const sidecar = await Sidecar.start({
    config: load(),
    env,
    readers: () => () => reader,
    parameters: () => parameters.cache(),
    logger: captureLogger(logs),
  });
  running.push(sidecar);
  return {
    sidecar,
    logs,
    reload: () => sidecar.reload(load()),
    as: async (token) =>
      (await rawRequest(sidecar.url, '/v1/MyTest', { headers: { 'X-Aws-Parameters-Secrets-Token': token } }))
        .status,
  };
}

const client = (name: string, token: string) =>
  `[[latchkey.clients]]\nname = "${name}"\ntoken = "${token}"\npolicy = '{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}'\n`;

describe('a reload', () => {
  it('keeps a replaced token valid for token_grace_seconds, though it rebuilds the clients', async () => {
    const tokenFile = path('token');
    writeFileSync(tokenFile, 'old-file-token');
    const file = path('config.toml');
    // The token file is not polled during the test: the reload is what sees the change.
    const settings = '[latchkey]\ntoken_reload_interval_ms = 600000\n';
    writeFileSync(file, settings + client('app', 'old-client-token'));
    const sidecar = await start(file, { AWS_TOKEN: `file://${tokenFile}` });
    expect(await sidecar.as('old-file-token')).toBe(200);
    expect(await sidecar.as('old-client-token')).toBe(200);

    writeFileSync(tokenFile, 'new-file-token');
    writeFileSync(file, settings + client('app', 'new-client-token'));
    sidecar.reload();
    for (const token of ['new-file-token', 'new-client-token', 'old-file-token', 'old-client-token'])
      expect([token, await sidecar.as(token)]).toEqual([token, 200]);

    // With no grace, a reload retires the old tokens at once.
    writeFileSync(file, `[latchkey]\ntoken_grace_seconds = 0\n${client('app', 'third-client-token')}`);
    sidecar.reload();
    expect(await sidecar.as('third-client-token')).toBe(200);
    expect(await sidecar.as('new-client-token')).toBe(403);
    expect(sidecar.logs.text).not.toMatch(/client-token|file-token/);
  });

  it('warns naming each changed key that waits for a restart, at every reload until the restart', async () => {
    const file = path('config.toml');
    writeFileSync(file, 'ttl_seconds = 300\n[latchkey]\nmax_stale_seconds = 900\n');
    const sidecar = await start(file, { AWS_TOKEN: 'token' });
    writeFileSync(
      file,
      'ttl_seconds = 60\nlog_level = "debug"\n[latchkey]\nmax_stale_seconds = 10\nrefresh_ahead = false\ncreated_date = "number"\n',
    );
    sidecar.reload();
    sidecar.reload();
    const warnings = sidecar.logs.records.filter((record) => record.level === 40);
    const keys = [
      'ttl_seconds',
      'latchkey.max_stale_seconds',
      'latchkey.refresh_ahead',
      'latchkey.created_date',
    ];
    expect(warnings.map((record) => record.keys)).toEqual([keys, keys]);
    for (const key of keys) expect(warnings[0]?.msg).toContain(key);
  });

  it('applies max_conn at once', async () => {
    const file = path('config.toml');
    writeFileSync(file, 'max_conn = 800\n');
    const sidecar = await start(file, { AWS_TOKEN: 'token' });
    const { port } = new URL(sidecar.sidecar.url);
    const idle: Socket = connect(Number(port), '127.0.0.1');
    let closed = false;
    idle.on('close', () => {
      closed = true;
    });
    try {
      await new Promise((resolve) => idle.once('connect', resolve));
      expect(await sidecar.as('token')).toBe(200);
      expect(closed).toBe(false);
      writeFileSync(file, 'max_conn = 1\n');
      sidecar.reload();
      // At the limit of one, a new connection closes the one waiting without a request.
      expect(await sidecar.as('token')).toBe(200);
      await expect.poll(() => closed, { timeout: 5000 }).toBe(true);
    } finally {
      idle.destroy();
    }
  });

  it('applies the audit log destination at once', async () => {
    const first = path('audit-1.jsonl');
    const second = path('audit-2.jsonl');
    const file = path('config.toml');
    writeFileSync(file, `[latchkey.audit]\npath = "${first}"\n`);
    const sidecar = await start(file, { AWS_TOKEN: 'token' });
    expect(await sidecar.as('token')).toBe(200);
    writeFileSync(file, `[latchkey.audit]\npath = "${second}"\n`);
    sidecar.reload();
    expect(await sidecar.as('token')).toBe(200);
    writeFileSync(file, '[latchkey.audit]\nenabled = false\n');
    sidecar.reload();
    expect(await sidecar.as('token')).toBe(200);
    await sidecar.sidecar.close();
    const lines = (audit: string) => readFileSync(audit, 'utf8').split('\n').filter(Boolean).length;
    expect([lines(first), lines(second)]).toEqual([1, 1]);
  });
});
