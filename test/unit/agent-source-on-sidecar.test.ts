/**
 * The SDK's AgentSource against the real Latchkey sidecar (in front of the emulator): what an app using the SDK
 * through a sidecar sees. The SDK's own tests cover AgentSource against a stand-in agent; this one proves the two
 * products agree on the wire: bodies, binary secrets, CreatedDate, error mapping and the token.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type Emulator, startEmulator } from '@latchkey/emulator';
import { AccessDeniedError, AgentSource, SecretNotFoundError, SecretsCache } from '@latchkey/sdk';
import { type Sidecar, startSidecarOnEmulator } from '@latchkey/sidecar';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('AgentSource through the Latchkey sidecar', () => {
  const token = randomBytes(16).toString('hex');
  const suffix = randomBytes(4).toString('hex');
  let emulator: Emulator;
  let sm: SecretsManagerClient;
  let sidecar: Sidecar;
  let cache: SecretsCache;

  beforeAll(async () => {
    emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
    sm = new SecretsManagerClient({ ...emulator.clientConfig, maxAttempts: 1 });
    sidecar = await startSidecarOnEmulator({
      emulator,
      env: { AWS_TOKEN: token },
      logger: pino({ level: 'silent' }),
      auditSink: { write: () => true },
    });
    cache = new SecretsCache({
      source: new AgentSource({ endpoint: sidecar.url, token }),
      closeSource: true,
    });
  });
  afterAll(async () => {
    await cache?.close();
    await sidecar?.close();
    sm?.destroy();
    await emulator?.close();
  });

  it('reads string and binary secrets with their metadata', async () => {
    const name = `agent/db-${suffix}`;
    const created = await sm.send(
      new CreateSecretCommand({ Name: name, SecretString: '{"password":"p@ss w0rd"}' }),
    );
    const secret = await cache.get(name);
    expect(secret).toMatchObject({ arn: created.ARN, name, versionId: created.VersionId, stale: false });
    expect(secret.versionStages).toEqual(['AWSCURRENT']);
    expect(secret.createdDate).toBeInstanceOf(Date);
    expect(await cache.getField(name, 'password')).toBe('p@ss w0rd');

    const bytes = Uint8Array.from([0, 1, 2, 250, 255]);
    const binaryName = `agent/keystore-${suffix}`;
    await sm.send(new CreateSecretCommand({ Name: binaryName, SecretBinary: bytes }));
    expect(await cache.getBinary(binaryName)).toEqual(bytes);
  });

  it('reads other stages, and a forced refresh gets past the sidecar cache', async () => {
    const name = `agent/rotating-${suffix}`;
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'first' }));
    expect(await cache.getString(name)).toBe('first');
    await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'second' }));
    expect((await cache.refresh(name)).string).toBe('second');
    expect(await cache.getString(name, { versionStage: 'AWSPREVIOUS' })).toBe('first');
  });

  it('maps the sidecar errors back to the SDK typed errors', async () => {
    await expect(cache.get(`agent/absent-${suffix}`)).rejects.toBeInstanceOf(SecretNotFoundError);
    const wrongToken = new SecretsCache({
      source: new AgentSource({ endpoint: sidecar.url, token: 'not-the-token' }),
      closeSource: true,
    });
    try {
      await expect(wrongToken.get(`agent/db-${suffix}`)).rejects.toBeInstanceOf(AccessDeniedError);
    } finally {
      await wrongToken.close();
    }
  });
});
