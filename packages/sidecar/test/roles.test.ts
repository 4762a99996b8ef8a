/** `roleArn`: one cache (and AWS client) per role, created on first use, bounded; the least recently used closes. */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { Sidecar } from '../src/sidecar.js';
import { captureLogger, LineCapture } from './support/capture.js';
import { FakeParameters } from './support/fake-parameters.js';
import { FakeReader, secretValue } from './support/fake-reader.js';
import { rawRequest } from './support/http.js';

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
});
