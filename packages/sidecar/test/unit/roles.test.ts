/** `roleArn`: one cache (and AWS client) per role, created on first use, bounded by max_roles; at the limit a
 * client's new role replaces that client's own least recently used one. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { Sidecar } from '../../src/sidecar.js';
import { captureLogger, LineCapture } from '../support/capture.js';
import { FakeParameters } from '../support/fake-parameters.js';
import { FakeReader, secretValue } from '../support/fake-reader.js';
import { rawRequest } from '../support/http.js';

let sidecar: Sidecar | undefined;
afterEach(async () => {
  await sidecar?.close();
  sidecar = undefined;
});

describe('role caches', () => {
  it('creates one reader per role, reuses it, and closes the least recently used past max_roles', async () => {
    const created = new Map<string, FakeReader>();
    const config = loadConfig({
      env: {},
      overrides: [
        { key: 'http_port', value: '0' },
        { key: 'bind', value: '127.0.0.1' },
        { key: 'max_roles', value: '2' },
      ],
    });
    sidecar = await Sidecar.start({
      config,
      env: { AWS_TOKEN: 't' },
      logger: captureLogger(new LineCapture()),
      auditSink: new LineCapture(),
      parameters: () => new FakeParameters().cache(),
      readers: () => (roleArn) => {
        const reader = new FakeReader().put(secretValue('s', `as ${roleArn ?? 'self'}`));
        created.set(roleArn ?? 'self', reader);
        return reader;
      },
    });
    const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`;
    const read = async (roleArn?: string) => {
      const query = roleArn === undefined ? '' : `?roleArn=${encodeURIComponent(roleArn)}`;
      const response = await rawRequest(sidecar!.url, `/v1/s${query}`, { headers: { 'X-Vault-Token': 't' } });
      return JSON.parse(response.body).SecretString;
    };
    expect(await read()).toBe('as self');
    expect(await read(role('a'))).toBe(`as ${role('a')}`);
    expect(await read(role('b'))).toBe(`as ${role('b')}`);
    expect(await read(role('a'))).toBe(`as ${role('a')}`);
    expect(created.size).toBe(3);
    // A third role evicts b (a was used more recently); the sidecar's own reader is never evicted.
    expect(await read(role('c'))).toBe(`as ${role('c')}`);
    expect(created.get(role('b'))?.closed).toBe(true);
    expect(created.get(role('a'))?.closed).toBe(false);
    expect(created.get('self')?.closed).toBe(false);
    // b comes back as a new reader.
    expect(await read(role('b'))).toBe(`as ${role('b')}`);
    expect(created.get(role('b'))?.closed).toBe(false);
  });

  it("keeps other clients' role caches while one client cycles through roles", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-roles-'));
    const file = join(dir, 'config.toml');
    const assumeAny = `policy = { Version = "2012-10-17", Statement = [ { Effect = "Allow", Action = ["secretsmanager:GetSecretValue", "sts:AssumeRole"], Resource = "*" } ] }`;
    writeFileSync(
      file,
      `[[latchkey.clients]]\nname = "steady"\ntoken = "steady-token"\n${assumeAny}\n\n[[latchkey.clients]]\nname = "churn"\ntoken = "churn-token"\n${assumeAny}\n`,
    );
    const created = new Map<string, FakeReader>();
    sidecar = await Sidecar.start({
      config: loadConfig({
        file,
        env: {},
        overrides: [
          { key: 'http_port', value: '0' },
          { key: 'bind', value: '127.0.0.1' },
          { key: 'max_roles', value: '3' },
        ],
      }),
      env: {},
      logger: captureLogger(new LineCapture()),
      auditSink: new LineCapture(),
      parameters: () => new FakeParameters().cache(),
      readers: () => (roleArn) => {
        const reader = new FakeReader().put(secretValue('s', 'v'));
        created.set(roleArn ?? 'self', reader);
        return reader;
      },
    });
    const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`;
    const read = async (token: string, roleArn: string) =>
      (
        await rawRequest(sidecar!.url, `/v1/s?roleArn=${encodeURIComponent(roleArn)}`, {
          headers: { 'X-Vault-Token': token },
        })
      ).status;
    expect(await read('steady-token', role('steady-1'))).toBe(200);
    expect(await read('steady-token', role('steady-2'))).toBe(200);
    for (let i = 0; i < 10; i++) expect(await read('churn-token', role(`churn-${i}`))).toBe(200);
    expect(created.get(role('steady-1'))?.closed).toBe(false);
    expect(created.get(role('steady-2'))?.closed).toBe(false);
    expect(created.get(role('churn-9'))?.closed).toBe(false);
    expect(created.get(role('churn-8'))?.closed).toBe(true);
    expect(created.size).toBe(13);
  });
});
