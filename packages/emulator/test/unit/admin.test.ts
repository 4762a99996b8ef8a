import {
  CreateSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/index.js';
import {
  emu,
  failure,
  secretName,
  sm,
  smClient,
  uniqueName,
  useEmulatorWithSecret,
} from '../support/emulator.js';

useEmulatorWithSecret();

async function admin(method: string, path: string, body?: unknown) {
  const response = await fetch(`${emu.endpoint}/_latchkey/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe('admin routes (for tests in other processes)', () => {
  it('health', async () => {
    expect(await admin('GET', 'health')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('faults: inject by count over HTTP, list, clear one or all', async () => {
    const injected = await admin('POST', 'faults', {
      kind: 'throttling',
      operation: 'GetSecretValue',
      count: 1,
    });
    expect(injected.status).toBe(201);
    expect((await admin('GET', 'faults')).body.faults).toMatchObject([
      { id: injected.body.id, kind: 'throttling', count: 1 },
    ]);
    expect((await failure(sm.send(new GetSecretValueCommand({ SecretId: secretName })))).name).toBe(
      'ThrottlingException',
    );
    await sm.send(new GetSecretValueCommand({ SecretId: secretName }));
    const a = await admin('POST', 'faults', { kind: 'internal-error' });
    await admin('POST', 'faults', { kind: 'latency', latencyMs: 1 });
    expect((await admin('DELETE', `faults/${a.body.id}`)).status).toBe(204);
    expect((await admin('GET', 'faults')).body.faults).toHaveLength(1);
    await admin('DELETE', 'faults');
    expect((await admin('GET', 'faults')).body.faults).toEqual([]);
    const invalid = await admin('POST', 'faults', { kind: 'meteor' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toContain('kind');
  });

  it('calls and requests: counters and the request log, and their reset', async () => {
    await admin('DELETE', 'calls');
    await sm.send(new GetSecretValueCommand({ SecretId: secretName }));
    expect((await admin('GET', 'calls')).body).toEqual({ calls: { GetSecretValue: 1 } });
    const requests = (await admin('GET', 'requests')).body.requests;
    expect(requests).toMatchObject([
      {
        operation: 'GetSecretValue',
        secretId: secretName,
        status: 200,
        accessKeyId: emu.clientConfig.credentials.accessKeyId,
      },
    ]);
    expect(emu.calls('GetSecretValue')).toBe(1);
  });

  it('rotation functions by URL, and waiting for a rotation to finish', async () => {
    const lambdaArn = 'arn:aws:lambda:us-east-1:000000000000:function:remote';
    // Nothing listens on this port, so every step fails; the outcome says so.
    const registered = await admin('POST', 'rotation-functions', { lambdaArn, url: 'http://127.0.0.1:9/' });
    expect(registered.status).toBe(201);
    await sm.send(new RotateSecretCommand({ SecretId: secretName, RotationLambdaARN: lambdaArn }));
    const outcome = (await admin('GET', `rotations/${encodeURIComponent(secretName)}`)).body.outcome;
    expect(outcome).toMatchObject({ status: 'failed', failedStep: 'createSecret' });
    expect((await admin('DELETE', `rotation-functions/${encodeURIComponent(lambdaArn)}`)).status).toBe(204);
    expect(await admin('POST', 'rotations/due')).toEqual({ status: 200, body: { started: [] } });
    const bad = await admin('POST', 'rotation-functions', { lambdaArn });
    expect(bad.status).toBe(400);
    expect((await admin('GET', 'nothing')).status).toBe(404);
  });

  it('neither the request log nor the admin routes ever carry a secret value', async () => {
    const value = 'never-log-me-4f1c';
    const secret = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: secret, SecretString: value }));
    await sm.send(new GetSecretValueCommand({ SecretId: secret }));
    await failure(sm.send(new CreateSecretCommand({ Name: secret, SecretString: value })));
    expect(JSON.stringify(emu.requestLog)).not.toContain(value);
    const served = JSON.stringify(
      await Promise.all(['requests', 'calls', 'faults'].map((path) => admin('GET', path))),
    );
    expect(served).toContain(secret);
    expect(served).not.toContain(value);
  });

  it('keeps only the most recent requests, in order', async () => {
    const small = await startEmulator({ host: '127.0.0.1', port: 0, requestLogLimit: 3 });
    try {
      const client = smClient(small);
      for (let i = 0; i < 5; i++)
        await failure(client.send(new GetSecretValueCommand({ SecretId: `s${i}` })));
      expect(small.requestLog.map((entry) => entry.secretId)).toEqual(['s2', 's3', 's4']);
      expect(small.calls('GetSecretValue')).toBe(5);
    } finally {
      await small.close();
    }
  });

  it('serves on IPv6 loopback', async () => {
    const v6 = await startEmulator({ host: '::1', port: 0 });
    try {
      expect(v6.endpoint).toMatch(/^http:\/\/\[::1\]:\d+$/);
      const client = smClient(v6);
      await client.send(new CreateSecretCommand({ Name: 'v6', SecretString: 'x' }));
      expect((await client.send(new GetSecretValueCommand({ SecretId: 'v6' }))).SecretString).toBe('x');
    } finally {
      await v6.close();
    }
    await v6.close(); // closing twice is harmless
  });
});
