/** Prefetch at start-up through BatchGetSecretValue, with /ready answering 503 until it is loaded. */
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Emulator, startEmulator } from '@latchkey/emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { startSidecarOnEmulator } from '../../src/on-emulator.js';
import { captureLogger, LineCapture } from '../support/capture.js';
import { rawRequest } from '../support/http.js';
import { type Stack, startStack } from '../support/stack.js';

let stack: Stack | undefined;
let emulator: Emulator | undefined;
afterEach(async () => {
  await stack?.close();
  await emulator?.close();
  stack = undefined;
  emulator = undefined;
});

describe('/ready and prefetch', () => {
  it('is 503 until the prefetch list is loaded, then 200, and the secrets are then cache hits', async () => {
    emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
    const ids = ['pre/a', 'pre/b', 'pre/c'];
    // The batch read is slow, so the sidecar is listening (and answering /ready) before the prefetch is loaded.
    emulator.faults.inject({ kind: 'latency', operation: 'BatchGetSecretValue', latencyMs: 1500 });
    stack = await startStack({
      emulator,
      before: async (_emu, sm) => {
        for (const id of ids) await sm.send(new CreateSecretCommand({ Name: id, SecretString: id }));
      },
      overrides: [{ key: 'prefetch', value: ids.join(',') }],
    });
    const { url, token } = stack;
    const starting = await rawRequest(url, '/ready');
    expect(starting.status).toBe(503);
    expect(JSON.parse(starting.body)).toMatchObject({
      status: 'starting',
      prefetch: { done: false, pending: 3 },
    });
    await expect.poll(async () => (await rawRequest(url, '/ready')).status, { timeout: 10_000 }).toBe(200);
    expect(emulator.calls('GetSecretValue')).toBe(0);
    const before = emulator.calls('GetSecretValue');
    for (const id of ids) {
      const response = await rawRequest(url, `/v1/${id}`, {
        headers: { 'X-Aws-Parameters-Secrets-Token': token },
      });
      expect(response.headers['x-cache']).toBe('hit');
    }
    expect(emulator.calls('GetSecretValue')).toBe(before);
    expect(emulator.calls('BatchGetSecretValue')).toBeGreaterThanOrEqual(1);
  });

  it('stays 503 while the upstream is down, and reports the pending ids', async () => {
    emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
    emulator.faults.inject({ kind: 'internal-error' });
    stack = await startStack({ emulator, overrides: [{ key: 'prefetch', value: 'down/a' }] });
    const response = await rawRequest(stack.url, '/ready');
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({
      status: 'starting',
      prefetch: { done: false, pending: 1 },
    });
    expect((await rawRequest(stack.url, '/ping')).body).toBe('healthy');
  });

  it('is 503 while the last read failed for want of credentials, and 200 once a read succeeds again', async () => {
    emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
    const emu = emulator;
    const sm = new SecretsManagerClient(emu.clientConfig);
    for (const id of ['creds/a', 'creds/b'])
      await sm.send(new CreateSecretCommand({ Name: id, SecretString: id }));
    sm.destroy();
    let usable = false;
    // A provider like the SDK's chain when it finds nothing; re-asked on every call (the credentials expire at once).
    const credentials = async () => {
      if (!usable) {
        throw Object.assign(new Error('Could not load credentials from any providers'), {
          name: 'CredentialsProviderError',
        });
      }
      return { ...emu.clientConfig.credentials, expiration: new Date(Date.now() + 1000) };
    };
    const sidecar = await startSidecarOnEmulator({
      emulator: emu,
      env: { AWS_TOKEN: 'creds-token' },
      credentials,
      logger: captureLogger(new LineCapture()),
      auditSink: new LineCapture(),
    });
    try {
      const read = (id: string) =>
        rawRequest(sidecar.url, `/v1/${id}`, {
          headers: { 'X-Aws-Parameters-Secrets-Token': 'creds-token' },
        });
      expect((await rawRequest(sidecar.url, '/ready')).status).toBe(200);
      expect((await read('creds/a')).status).not.toBe(200);
      const failing = await rawRequest(sidecar.url, '/ready');
      expect(failing.status).toBe(503);
      expect(JSON.parse(failing.body)).toMatchObject({ credentials: 'failing (CredentialsProviderError)' });
      usable = true;
      expect((await read('creds/b')).status).toBe(200);
      expect((await rawRequest(sidecar.url, '/ready')).status).toBe(200);
    } finally {
      await sidecar.close();
    }
  });
});
