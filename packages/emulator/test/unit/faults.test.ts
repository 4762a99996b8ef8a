import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import { emu, failure, secretName, sm, smClient, useEmulatorWithSecret } from '../support/emulator.js';

useEmulatorWithSecret();
afterEach(() => {
  emu.faults.clear();
  emu.resetCalls();
});

const get = () => sm.send(new GetSecretValueCommand({ SecretId: secretName }));
const describeIt = () => sm.send(new DescribeSecretCommand({ SecretId: secretName }));

describe('call counters', () => {
  it('count each operation, and reset', async () => {
    await get();
    await get();
    await describeIt();
    expect(emu.calls('GetSecretValue')).toBe(2);
    expect(emu.calls('DescribeSecret')).toBe(1);
    expect(emu.calls('PutSecretValue')).toBe(0);
    expect(emu.calls()).toEqual({ GetSecretValue: 2, DescribeSecret: 1 });
    emu.resetCalls();
    expect(emu.calls()).toEqual({});
  });
});

describe('fault injection', () => {
  it('throttling for the next N calls of one operation: 400 ThrottlingException "Rate exceeded"', async () => {
    emu.faults.inject({ kind: 'throttling', operation: 'GetSecretValue', count: 2 });
    for (let i = 0; i < 2; i++) {
      const error = await failure(get());
      expect(error.name).toBe('ThrottlingException');
      expect(error.message).toBe('Rate exceeded');
      expect(error.$metadata?.httpStatusCode).toBe(400);
    }
    await describeIt();
    expect((await get()).SecretString).toBe('v');
    expect(emu.calls('GetSecretValue')).toBe(3);
  });

  it('the SDK retries a throttled call on its own, and the counter shows every attempt', async () => {
    emu.faults.inject({ kind: 'throttling', operation: 'GetSecretValue', count: 1 });
    const retrying = smClient(emu, { maxAttempts: 3 });
    expect((await retrying.send(new GetSecretValueCommand({ SecretId: secretName }))).SecretString).toBe('v');
    expect(emu.calls('GetSecretValue')).toBe(2);
  });

  it('internal-error for every operation: 500 InternalServiceError', async () => {
    emu.faults.inject({ kind: 'internal-error', count: 2 });
    const a = await failure(get());
    const b = await failure(describeIt());
    for (const error of [a, b]) {
      expect(error.name).toBe('InternalServiceError');
      expect(error.$metadata?.httpStatusCode).toBe(500);
    }
    await get();
  });

  it('connection-reset destroys the socket', async () => {
    emu.faults.inject({ kind: 'connection-reset', operation: 'GetSecretValue', count: 1 });
    const error = await failure(get());
    expect(`${error.name} ${error.message} ${(error as { code?: string }).code}`).toMatch(
      /ECONNRESET|socket hang up/i,
    );
    expect((await get()).SecretString).toBe('v');
    expect(emu.requestLog.at(-2)).toMatchObject({
      operation: 'GetSecretValue',
      status: 0,
      errorType: 'ConnectionReset',
    });
  });

  it('latency holds the answer for the given time', async () => {
    emu.faults.inject({ kind: 'latency', operation: 'GetSecretValue', latencyMs: 300, count: 1 });
    const started = performance.now();
    await get();
    const slow = performance.now() - started;
    expect(slow).toBeGreaterThanOrEqual(290);
    emu.faults.inject({ kind: 'latency', operation: 'DescribeSecret', latencyMs: 1000 });
    const quickStart = performance.now();
    await get();
    expect(performance.now() - quickStart).toBeLessThan(slow);
  });

  it('a time window: faults apply until it ends, then calls succeed', async () => {
    emu.faults.inject({ kind: 'throttling', operation: 'GetSecretValue', durationMs: 300 });
    expect((await failure(get())).name).toBe('ThrottlingException');
    expect((await failure(get())).name).toBe('ThrottlingException');
    const deadline = Date.now() + 5000;
    let value: string | undefined;
    while (Date.now() < deadline && value === undefined) {
      value = await get().then(
        (r) => r.SecretString,
        () => undefined,
      );
    }
    expect(value).toBe('v');
    expect(emu.faults.list()).toEqual([]);
  });

  it('clear(id) removes one fault; a fault without count or window lasts until cleared', async () => {
    const id = emu.faults.inject({ kind: 'throttling', operation: 'DescribeSecret' });
    emu.faults.inject({ kind: 'internal-error', operation: 'GetSecretValue' });
    for (let i = 0; i < 3; i++) expect((await failure(describeIt())).name).toBe('ThrottlingException');
    emu.faults.clear(id);
    await describeIt();
    expect((await failure(get())).name).toBe('InternalServiceError');
    expect(emu.faults.list()).toHaveLength(1);
  });

  it('refuses malformed fault specs', () => {
    expect(() => emu.faults.inject({ kind: 'explode' as 'latency' })).toThrow(/kind/);
    expect(() => emu.faults.inject({ kind: 'latency' })).toThrow(/latencyMs/);
    expect(() => emu.faults.inject({ kind: 'throttling', count: 0 })).toThrow(/count/);
    expect(() => emu.faults.inject({ kind: 'throttling', operation: 'GetSecretvalue' })).toThrow(
      /GetSecretvalue/,
    );
  });
});
