/**
 * The services of the run, as a deployment has them: the Secrets Manager emulator with our rotation functions
 * registered (one per engine family, as one Lambda per family), and the sidecar in front of the emulator, logging
 * to files as `latchkey serve` does. Everything is logged at debug level and kept, so the run can check every line
 * for secret values.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Emulator, startEmulator } from '@latchkey/emulator';
import { createLogger, mysqlEngine, postgresEngine, Rotator } from '@latchkey/rotator';
import { type Sidecar, startSidecarOnEmulator } from '@latchkey/sidecar';
import type { EngineFamily } from './databases.js';

/** When the steps of one rotation (a version id) ran, in `performance.now()` milliseconds. */
export interface StepTimes {
  setSecretStartedAt?: number;
  finishSecretDoneAt?: number;
}

export interface StackLogs {
  readonly rotator: string;
  readonly sidecar: string;
  readonly audit: string;
}

export interface StackOptions {
  /** The sidecar's `ttl_seconds`: how long it serves a value before its version check. */
  readonly sidecarTtlSeconds: number;
}

export interface Stack {
  readonly emulator: Emulator;
  /** An administrator's client: creates the secrets and calls RotateSecret. */
  readonly secretsManager: SecretsManagerClient;
  readonly sidecarUrl: string;
  readonly sidecarToken: string;
  lambdaArn(family: EngineFamily): string;
  /** Step times per version id, recorded around the rotation function as the emulator invokes it. */
  readonly steps: ReadonlyMap<string, StepTimes>;
  /** Stops everything and returns what the rotation functions, the sidecar and its audit log wrote. */
  stop(): Promise<StackLogs>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-e2e-'));
  const emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
  const secretsManager = new SecretsManagerClient(emulator.clientConfig);
  /** The administrator's client and each rotation function's, destroyed at the end. */
  const clients = [secretsManager];

  const rotatorLines: string[] = [];
  const rotatorLog = new Writable({
    write(chunk, _encoding, done) {
      rotatorLines.push(String(chunk));
      done();
    },
  });
  const steps = new Map<string, StepTimes>();
  const arns = new Map<EngineFamily, string>();
  for (const family of ['postgres', 'mysql'] as const) {
    const client = new SecretsManagerClient(emulator.clientConfig);
    clients.push(client);
    const rotator = new Rotator({
      engine: family === 'postgres' ? postgresEngine() : mysqlEngine(),
      secretsManager: client,
      logger: createLogger(rotatorLog, 'debug'),
    });
    const lambdaArn = `arn:aws:lambda:${emulator.region}:${emulator.accountId}:function:latchkey-${family}-rotation`;
    emulator.rotation.register(lambdaArn, async (event) => {
      const times = steps.get(event.ClientRequestToken) ?? {};
      steps.set(event.ClientRequestToken, times);
      if (event.Step === 'setSecret') times.setSecretStartedAt ??= performance.now();
      await rotator.handle(event);
      if (event.Step === 'finishSecret') times.finishSecretDoneAt = performance.now();
    });
    arns.set(family, lambdaArn);
  }

  const sidecarToken = randomBytes(16).toString('hex');
  const sidecarLog = join(dir, 'sidecar.log');
  const auditLog = join(dir, 'audit.log');
  const shutDown = async () => {
    for (const client of clients) client.destroy();
    await emulator.close();
  };
  let sidecar: Sidecar;
  try {
    sidecar = await startSidecarOnEmulator({
      emulator,
      env: { AWS_TOKEN: sidecarToken },
      overrides: [
        { key: 'ttl_seconds', value: String(options.sidecarTtlSeconds) },
        { key: 'log_level', value: 'debug' },
        { key: 'log_to_file', value: 'true' },
        { key: 'log_file', value: sidecarLog },
        { key: 'audit_log', value: auditLog },
      ],
    });
  } catch (error) {
    await shutDown();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const readIfPresent = (path: string) => readFile(path, 'utf8').catch(() => '');
  return {
    emulator,
    secretsManager,
    sidecarUrl: sidecar.url,
    sidecarToken,
    lambdaArn: (family) => arns.get(family)!,
    steps,
    async stop() {
      await sidecar.close();
      await shutDown();
      const logs = {
        rotator: rotatorLines.join(''),
        sidecar: await readIfPresent(sidecarLog),
        audit: await readIfPresent(auditLog),
      };
      await rm(dir, { recursive: true, force: true });
      return logs;
    },
  };
}
