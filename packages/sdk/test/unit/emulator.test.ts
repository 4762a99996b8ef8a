import { once } from 'node:events';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { startEmulator } from '@latchkey/emulator';
import {
  AwsSource,
  ManualClock,
  SecretNotFoundError,
  SecretsCache,
  type SecretsCacheOptions,
  ThrottledError,
  UpstreamUnavailableError,
} from '@latchkey/sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import { admin, emu, emulatorSource, uniqueName, useEmulator } from '../support/emulator.js';
import { settle } from '../support/stub-source.js';

/** The cache and AwsSource over HTTP against the emulator, counting its calls. */
useEmulator();
beforeEach(() => emu.resetCalls());

async function createSecret(value: string): Promise<{ name: string; arn: string; versionId: string }> {
  const name = uniqueName('sdk');
  const out = await admin.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  emu.resetCalls();
  return { name, arn: out.ARN as string, versionId: out.VersionId as string };
}

/** A cache on the emulator with a manual clock; the SDK does not retry, so call counts are exact. */
function cacheOnEmulator(options: SecretsCacheOptions = {}) {
  const clock = new ManualClock(Date.now());
  const source = emulatorSource();
  const cache = new SecretsCache({ source, clock, random: () => 0, refreshAhead: 0, ...options });
  return { clock, source, cache };
}

describe('SecretsCache on the emulator', () => {
  it('1000 concurrent cold gets of one key make exactly one GetSecretValue', async () => {
    const { name } = await createSecret('v1');
    const { cache, source } = cacheOnEmulator();
    const results = await Promise.all(Array.from({ length: 1000 }, () => cache.get(name)));
    expect(emu.calls('GetSecretValue')).toBe(1);
    expect(results.every((r) => r.string === 'v1')).toBe(true);
    await cache.close();
    source.close();
  });

  it('after the TTL: DescribeSecret only while the version holds, GetSecretValue when it moved', async () => {
    const { name } = await createSecret('v1');
    const { cache, clock, source } = cacheOnEmulator({ ttl: '1m' });
    await cache.get(name);
    clock.advance(60_000);
    expect((await cache.get(name)).string).toBe('v1');
    expect(emu.calls()).toMatchObject({ GetSecretValue: 1, DescribeSecret: 1 });
    await admin.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2' }));
    emu.resetCalls();
    clock.advance(60_000);
    expect((await cache.get(name)).string).toBe('v2');
    expect(emu.calls()).toMatchObject({ GetSecretValue: 1, DescribeSecret: 1 });
    await cache.close();
    source.close();
  });

  it('picks up a rotation within the rotation check interval', async () => {
    const { name } = await createSecret('v1');
    const { cache, clock, source } = cacheOnEmulator({
      ttl: '10m',
      refreshAhead: 0.2,
      rotationCheckInterval: '5s',
    });
    const changes: string[] = [];
    cache.onChange(name, (value) => changes.push(value.string ?? ''));
    await cache.get(name);
    const pending = await admin.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', VersionStages: ['AWSPENDING'] }),
    );
    clock.advance(8 * 60_000 + 1); // refresh-ahead check: sees AWSPENDING
    await expect.poll(() => emu.calls('DescribeSecret')).toBe(1);
    const current = (await cache.get(name)).versionId;
    await admin.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: pending.VersionId,
        RemoveFromVersionId: current,
      }),
    );
    clock.advance(5_000);
    await expect.poll(() => changes).toEqual(['v2']);
    expect((await cache.get(name)).string).toBe('v2');
    await cache.close();
    source.close();
  });

  it('serves stale values through injected throttling and 5xx faults, then recovers', async () => {
    const { name } = await createSecret('v1');
    const { cache, clock, source } = cacheOnEmulator({ ttl: '1m', backoff: { base: '1s', jitter: 0 } });
    await cache.get(name);
    const fault = emu.faults.inject({ kind: 'throttling', operation: 'DescribeSecret' });
    clock.advance(60_000);
    expect(await cache.get(name)).toMatchObject({ string: 'v1', stale: true });
    expect(await cache.get(name)).toMatchObject({ stale: true });
    expect(emu.calls('DescribeSecret')).toBe(1); // backing off: no second call
    emu.faults.clear(fault);
    emu.faults.inject({ kind: 'internal-error', operation: 'DescribeSecret', count: 1 });
    // The retry's failure must be handled (its backoff set) before the clock moves on.
    const retried = once(cache, 'error');
    clock.advance(1_000);
    await cache.get(name);
    await retried;
    await settle();
    expect(emu.calls('DescribeSecret')).toBe(2);
    clock.advance(2_000);
    await cache.get(name);
    await expect.poll(async () => (await cache.get(name)).stale).toBe(false);
    expect(emu.calls('DescribeSecret')).toBe(3);
    await cache.close();
    source.close();
  });

  it('maps emulator faults to typed errors when nothing is cached', async () => {
    const { name } = await createSecret('v1');
    const { cache, source } = cacheOnEmulator();
    emu.faults.inject({ kind: 'throttling', operation: 'GetSecretValue', count: 1 });
    await expect(cache.get(name)).rejects.toBeInstanceOf(ThrottledError);
    const other = (await createSecret('v2')).name;
    emu.faults.inject({ kind: 'connection-reset', operation: 'GetSecretValue', count: 1 });
    const error = await cache.get(other).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ reason: 'network' });
    await cache.close();
    source.close();
  });

  it('remembers a missing secret for the backoff and carries the upstream code and status', async () => {
    const { cache, source } = cacheOnEmulator();
    const name = uniqueName('missing');
    const error = await cache.get(name).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(error).toMatchObject({
      secretId: name,
      upstreamCode: 'ResourceNotFoundException',
      httpStatus: 400,
    });
    await expect(cache.get(name)).rejects.toBeInstanceOf(SecretNotFoundError);
    expect(emu.calls('GetSecretValue')).toBe(1);
    await cache.close();
    source.close();
  });

  it('prefetches through BatchGetSecretValue, 20 per call, by name and by ARN', async () => {
    const secrets = await Promise.all(Array.from({ length: 25 }, (_, i) => createSecret(`value-${i}`)));
    emu.resetCalls();
    const { cache, source } = cacheOnEmulator();
    const ids = secrets.map((s, i) => (i % 2 === 0 ? s.name : s.arn));
    const missing = uniqueName('missing');
    const results = await cache.prefetch([...ids, missing]);
    expect(emu.calls('BatchGetSecretValue')).toBe(2);
    expect(results.slice(0, 25).map((r) => r.value?.string)).toEqual(secrets.map((_, i) => `value-${i}`));
    expect(results[25]?.error).toBeInstanceOf(SecretNotFoundError);
    for (const id of ids) await cache.get(id);
    expect(emu.calls('GetSecretValue') ?? 0).toBeLessThanOrEqual(1); // only the missing one, if the batch omitted it
    await cache.close();
    source.close();
  });

  it('pins a versionId and serves it without further calls', async () => {
    const { name, versionId } = await createSecret('v1');
    await admin.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2' }));
    emu.resetCalls();
    const { cache, clock, source } = cacheOnEmulator({ ttl: '1m' });
    expect((await cache.get(name, { versionId })).string).toBe('v1');
    clock.advance(10 * 60_000);
    expect((await cache.get(name, { versionId })).string).toBe('v1');
    expect(emu.calls()).toMatchObject({ GetSecretValue: 1 });
    expect(emu.calls('DescribeSecret')).toBe(0);
    await cache.close();
    source.close();
  });
});

describe('AwsSource timeout on the emulator', () => {
  /** Far longer than the source's timeout: a call that is not aborted would outlive the test. */
  const HUNG_MS = 60_000;

  it.each([
    ['GetSecretValue', (source: AwsSource, name: string) => source.getSecretValue({ secretId: name })],
    ['DescribeSecret', (source: AwsSource, name: string) => source.describeSecret(name)],
    ['BatchGetSecretValue', (source: AwsSource, name: string) => source.batchGetSecretValue([name])],
  ] as const)('aborts a hung %s and reports a timeout', async (operation, call) => {
    const { name } = await createSecret('v1');
    const source = emulatorSource({ timeout: '200ms' });
    // One call before the fault: the SDK's first call loads modules and resolves credentials, which on a loaded
    // machine can use up the 200 ms before any request is sent.
    await call(source, name);
    const callsBefore = emu.calls(operation);
    const fault = emu.faults.inject({ kind: 'latency', latencyMs: HUNG_MS, operation });
    try {
      const error = await call(source, name).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect(error).toMatchObject({ reason: 'timeout', transient: true });
      expect(emu.calls(operation) - callsBefore).toBe(1);
    } finally {
      emu.faults.clear(fault);
      source.close();
    }
  });

  it('through the cache: a warm key is served stale, a cold one fails with the timeout', async () => {
    const warm = (await createSecret('v1')).name;
    const cold = (await createSecret('v2')).name;
    const clock = new ManualClock(Date.now());
    const source = emulatorSource({ timeout: '200ms' });
    const cache = new SecretsCache({ source, clock, random: () => 0, refreshAhead: 0, ttl: '1m' });
    await cache.get(warm);
    const fault = emu.faults.inject({ kind: 'latency', latencyMs: HUNG_MS }); // every operation
    try {
      clock.advance(60_000);
      expect(await cache.get(warm)).toMatchObject({ string: 'v1', stale: true });
      const error = await cache.get(cold).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect(error).toMatchObject({ reason: 'timeout', secretId: cold });
    } finally {
      emu.faults.clear(fault);
      await cache.close();
      source.close();
    }
  });
});

describe('AwsSource role assumption on the emulator', () => {
  it('assumes the role once through STS (with external id) and reads with the role credentials', async () => {
    const { name } = await createSecret('cross-account');
    const roleArn = `arn:aws:iam::${emu.accountId}:role/${uniqueName('reader')}`;
    emu.sts.configureRole(roleArn, { externalId: 'ext-123' });
    const base = emulatorSource();
    const source = base.withRole({
      roleArn,
      externalId: 'ext-123',
      sessionName: 'latchkey-test',
      duration: '15m',
      stsClientConfig: emu.clientConfig,
    });
    const cache = new SecretsCache({ source, ttl: '0s' });
    for (let i = 0; i < 3; i++) expect((await cache.get(name)).string).toBe('cross-account');
    expect(emu.calls('AssumeRole')).toBe(1);
    const reads = emu.requestLog.filter(
      (entry) => entry.operation === 'GetSecretValue' && entry.secretId === name,
    );
    expect(reads).toHaveLength(3);
    expect(reads.every((entry) => entry.principalArn?.includes(':assumed-role/') === true)).toBe(true);
    expect(reads[0]?.principalArn).toContain('latchkey-test');
    expect(reads[0]?.accessKeyId).not.toBe(emu.clientConfig.credentials.accessKeyId);
    await cache.close();
    base.close();
  });

  it('renews the role credentials before they expire', async () => {
    // An emulator whose clock runs 12 minutes behind: 15-minute credentials expire 3 minutes from now by the
    // real clock, inside the SDK's 5-minute renewal window, so every read must assume the role again first.
    const lagging = await startEmulator({ host: '127.0.0.1', port: 0, now: () => Date.now() - 12 * 60_000 });
    try {
      const setup = new SecretsManagerClient({ ...lagging.clientConfig, maxAttempts: 1 });
      const name = uniqueName('renewed');
      await setup.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
      setup.destroy();
      const source = new AwsSource({
        clientConfig: { ...lagging.clientConfig, maxAttempts: 1 },
        roleArn: `arn:aws:iam::${lagging.accountId}:role/${uniqueName('short')}`,
        duration: '15m',
        stsClientConfig: lagging.clientConfig,
      });
      for (let i = 0; i < 3; i++) await source.getSecretValue({ secretId: name });
      expect(lagging.calls('AssumeRole')).toBeGreaterThanOrEqual(3); // vs exactly 1 for long-lived credentials
      source.close();
    } finally {
      await lagging.close();
    }
  });

  it('a wrong external id is access denied', async () => {
    const { name } = await createSecret('x');
    const roleArn = `arn:aws:iam::${emu.accountId}:role/${uniqueName('guarded')}`;
    emu.sts.configureRole(roleArn, { externalId: 'right' });
    const source = emulatorSource({ roleArn, externalId: 'wrong', stsClientConfig: emu.clientConfig });
    const error = await source.getSecretValue({ secretId: name }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AccessDeniedError');
    source.close();
  });
});
