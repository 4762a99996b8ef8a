/**
 * The services of the run, as a deployment has them: the Secrets Manager emulator with our rotation functions
 * registered (one per engine family, as one Lambda per family), and the sidecar in front of the emulator, logging
 * to files as `latchkey serve` does. Every log line is kept so the run can check it for secret values.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Emulator, startEmulator } from '@latchkey/emulator';
import { createLogger, mysqlEngine, postgresEngine, Rotator } from '@latchkey/rotator';
import { awsReaders, loadConfig, Sidecar } from '@latchkey/sidecar';
import type { EngineFamily } from './databases.js';

/** When the steps of one rotation (a version id) ran, in `performance.now()` milliseconds. */
export interface StepTimes {
  setSecretStartedAt?: number;
  finishSecretDoneAt?: number;
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
  /** Stops everything and returns every line the rotator, the sidecar and its audit log wrote. */
  stop(): Promise<string>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-e2e-'));
  const emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
  const secretsManager = new SecretsManagerClient(emulator.clientConfig);

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
    const rotator = new Rotator({
      engine: family === 'postgres' ? postgresEngine() : mysqlEngine(),
      secretsManager: new SecretsManagerClient(emulator.clientConfig),
      logger: createLogger(rotatorLog, 'info'),
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
  const config = loadConfig({
    env: {},
    overrides: [
      { key: 'http_port', value: '0' },
      { key: 'bind', value: '127.0.0.1' },
      { key: 'endpoint', value: emulator.endpoint },
      { key: 'region', value: emulator.region },
      { key: 'ttl_seconds', value: String(options.sidecarTtlSeconds) },
      { key: 'log_level', value: 'info' },
      { key: 'log_to_file', value: 'true' },
      { key: 'log_file', value: sidecarLog },
      { key: 'audit_log', value: auditLog },
    ],
  });
  const sidecar = await Sidecar.start({
    config,
    env: { AWS_TOKEN: sidecarToken },
    readers: (c, deps) => awsReaders(c, deps, { credentials: emulator.clientConfig.credentials }),
  });

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
      secretsManager.destroy();
      await emulator.close();
      const logs = [rotatorLines.join(''), await readIfPresent(sidecarLog), await readIfPresent(auditLog)];
      await rm(dir, { recursive: true, force: true });
      return logs.join('\n');
    },
  };
}
