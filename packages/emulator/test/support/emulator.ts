import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll } from 'vitest';
import { type Emulator, type RotationEvent, type RotationHandler, startEmulator } from '../../src/index.js';

/** Test helpers: SDK clients pointed at an emulator, and unique names so test files never collide. */

export function smClient(
  emu: Emulator,
  overrides: Partial<ConstructorParameters<typeof SecretsManagerClient>[0]> = {},
) {
  return new SecretsManagerClient({ ...emu.clientConfig, maxAttempts: 1, ...overrides });
}

export function stsClient(
  emu: Emulator,
  overrides: Partial<ConstructorParameters<typeof STSClient>[0]> = {},
) {
  return new STSClient({ ...emu.clientConfig, maxAttempts: 1, ...overrides });
}

export function ssmClient(
  emu: Emulator,
  overrides: Partial<ConstructorParameters<typeof SSMClient>[0]> = {},
) {
  return new SSMClient({ ...emu.clientConfig, maxAttempts: 1, ...overrides });
}

const SIGNED =
  'AWS4-HMAC-SHA256 Credential=AKIDRAW/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0';

/** A hand-made JSON 1.1 request, for what the SDK would never send. */
export async function rawJsonRequest(
  emu: Emulator,
  target: string | undefined,
  body: string,
  headers: Record<string, string> = {},
) {
  const response = await fetch(emu.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      authorization: SIGNED,
      ...(target ? { 'x-amz-target': target } : {}),
      ...headers,
    },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as { __type: string; message: string }) : undefined,
  };
}

export const uniqueName = (prefix = 'test') => `${prefix}/${randomUUID().slice(0, 8)}`;

/** Awaits a promise expected to reject; returns the error so the test can assert on its name and message. */
export async function failure(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, and it succeeded');
}

/**
 * A rotation function written the way AWS's template writes one (preamble checks, createSecret with
 * GetRandomPassword + PutSecretValue AWSPENDING, finishSecret moving AWSCURRENT with RemoveFromVersionId), calling
 * the emulator only through the SDK. `onStep` lets a test fail a step or observe events.
 */
export function templateRotationFunction(
  sm: SecretsManagerClient,
  onStep: (event: RotationEvent) => void | Promise<void> = () => {},
): RotationHandler {
  return async (event) => {
    await onStep(event);
    const { SecretId, ClientRequestToken: token, Step } = event;
    const metadata = await sm.send(new DescribeSecretCommand({ SecretId }));
    if (!metadata.RotationEnabled) throw new Error(`Secret ${SecretId} is not enabled for rotation`);
    const stages = metadata.VersionIdsToStages?.[token];
    if (!stages) throw new Error(`Secret version ${token} has no stage for rotation of secret ${SecretId}.`);
    if (stages.includes('AWSCURRENT')) return;
    if (!stages.includes('AWSPENDING'))
      throw new Error(`Secret version ${token} not set as AWSPENDING for rotation.`);
    if (Step === 'createSecret') {
      try {
        await sm.send(new GetSecretValueCommand({ SecretId, VersionId: token, VersionStage: 'AWSPENDING' }));
      } catch (error) {
        if ((error as Error).name !== 'ResourceNotFoundException') throw error;
        const { RandomPassword } = await sm.send(
          new GetRandomPasswordCommand({ ExcludeCharacters: '/@"\'\\' }),
        );
        await sm.send(
          new PutSecretValueCommand({
            SecretId,
            ClientRequestToken: token,
            SecretString: JSON.stringify({ password: RandomPassword }),
            VersionStages: ['AWSPENDING'],
            RotationToken: event.RotationToken,
          }),
        );
      }
    } else if (Step === 'finishSecret') {
      const current = Object.entries(metadata.VersionIdsToStages ?? {}).find(([, s]) =>
        s.includes('AWSCURRENT'),
      )?.[0];
      await sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token,
          RemoveFromVersionId: current,
        }),
      );
    }
  };
}

/** The emulator and client of the running test file, set by `useEmulator()` (live bindings: read them in tests). */
export let emu: Emulator;
export let sm: SecretsManagerClient;

/** Starts an emulator on a free loopback port before the file's tests and closes it after them. */
export function useEmulator(): void {
  beforeAll(async () => {
    emu = await startEmulator({ host: '127.0.0.1', port: 0 });
    sm = smClient(emu);
  });
  afterAll(() => emu.close());
}

/** The secret `useEmulatorWithSecret()` made (a live binding, like `emu`). */
export let secretName: string;

/** `useEmulator()`, then one secret with the value 'v' under a unique name, `secretName`; the emulator's call
 * counters start from zero after it. */
export function useEmulatorWithSecret(): void {
  useEmulator();
  beforeAll(async () => {
    secretName = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: secretName, SecretString: 'v' }));
    emu.resetCalls();
  });
}
