import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/index.js';
import { RequestQuotas, TokenBucket } from '../../src/quotas.js';
import { failure, smClient } from '../support/emulator.js';

/** A clock the test moves by hand, so quota refills are exact. */
function manualTime(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

const running: Emulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((emu) => emu.close()));
});

async function emulatorWithQuotas(quotaScale: number | undefined, now: () => number) {
  const emu = await startEmulator({ quotaScale, now, seed: [{ Name: 'app/db', SecretString: 'v1' }] });
  running.push(emu);
  // maxAttempts 1: the SDK retries throttles by default, which would hide them from the count.
  return { emu, sm: smClient(emu) };
}

describe('request-rate quotas (quotaScale)', () => {
  it('GetSecretValue beyond 10,000/s × scale is answered 400 ThrottlingException "Rate exceeded", and counted', async () => {
    const time = manualTime();
    const { emu, sm } = await emulatorWithQuotas(0.0005, time.now); // 5 GetSecretValue per second
    const get = () => sm.send(new GetSecretValueCommand({ SecretId: 'app/db' }));
    for (let i = 0; i < 5; i++) expect((await get()).SecretString).toBe('v1');
    const error = await failure(get());
    expect(error.name).toBe('ThrottlingException');
    expect(error.message).toBe('Rate exceeded');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    // DescribeSecret has its own, larger quota (40,000/s × 0.0005 = 20/s).
    for (let i = 0; i < 20; i++) await sm.send(new DescribeSecretCommand({ SecretId: 'app/db' }));
    expect(emu.calls('GetSecretValue')).toBe(6);
    expect(emu.throttled()).toEqual({ GetSecretValue: 1 });
    expect(emu.requestLog.at(-21)).toMatchObject({
      operation: 'GetSecretValue',
      status: 400,
      errorType: 'ThrottlingException',
    });
    // A fifth of a second refills one request.
    time.advance(200);
    expect((await get()).SecretString).toBe('v1');
    expect((await failure(get())).name).toBe('ThrottlingException');
  });

  it('PutSecretValue and UpdateSecret share one 50/s quota; BatchGetSecretValue has 100/s', async () => {
    const time = manualTime();
    const { emu, sm } = await emulatorWithQuotas(0.04, time.now); // 2 writes/s together, 4 batch calls/s
    await sm.send(new PutSecretValueCommand({ SecretId: 'app/db', SecretString: 'v2' }));
    await sm.send(new UpdateSecretCommand({ SecretId: 'app/db', Description: 'd' }));
    const third = await failure(
      sm.send(new PutSecretValueCommand({ SecretId: 'app/db', SecretString: 'v3' })),
    );
    expect(third.name).toBe('ThrottlingException');
    const batch = () => sm.send(new BatchGetSecretValueCommand({ SecretIdList: ['app/db'] }));
    for (let i = 0; i < 4; i++) await batch();
    expect((await failure(batch())).name).toBe('ThrottlingException');
    expect(emu.throttled()).toEqual({ PutSecretValue: 1, BatchGetSecretValue: 1 });
  });

  it('are off unless asked for', async () => {
    const { emu, sm } = await emulatorWithQuotas(undefined, manualTime().now);
    await sm.send(new CreateSecretCommand({ Name: 'app/other', SecretString: 'x' }));
    for (let i = 0; i < 60; i++)
      await sm.send(new PutSecretValueCommand({ SecretId: 'app/other', SecretString: `${i}` }));
    expect(emu.throttled()).toEqual({});
  });

  it('refuse a scale that is not a positive number, naming it', async () => {
    await expect(startEmulator({ quotaScale: 0 })).rejects.toThrow(
      /quotaScale must be a positive number.*got 0/,
    );
    await expect(startEmulator({ quotaScale: Number.NaN })).rejects.toThrow(/quotaScale/);
  });
});

describe('TokenBucket', () => {
  it('lets a burst of one second of its rate through, then refills at the rate on the clock it is given', () => {
    const time = manualTime();
    const bucket = new TokenBucket(100, time.now);
    let passed = 0;
    for (let i = 0; i < 150; i++) if (bucket.take()) passed++;
    expect(passed).toBe(100);
    time.advance(50);
    passed = 0;
    for (let i = 0; i < 10; i++) if (bucket.take()) passed++;
    expect(passed).toBe(5);
    time.advance(60_000);
    passed = 0;
    for (let i = 0; i < 150; i++) if (bucket.take()) passed++;
    expect(passed).toBe(100); // never more than the burst, however long it rested
  });

  it('RequestQuotas leave operations without a quota alone', () => {
    const quotas = new RequestQuotas(0.0001, manualTime().now);
    for (let i = 0; i < 100; i++) expect(quotas.admit('GetRandomPassword')).toBe(true);
    expect(quotas.admit('BatchGetSecretValue')).toBe(true); // at least a burst of one
    expect(quotas.admit('BatchGetSecretValue')).toBe(false);
  });
});
