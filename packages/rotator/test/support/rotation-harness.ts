import { Writable } from 'node:stream';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type Emulator, startEmulator } from '@latchkey/emulator';
import type { DatabaseEngine, EngineHooks, StatementEvent } from '../../src/engines/engine.js';
import { createLogger } from '../../src/logger.js';
import type { RotationStep } from '../../src/protocol/event.js';
import { Rotator } from '../../src/protocol/rotator.js';

/** Where a test makes the next rotation fail: around a step, or around one engine statement. */
export type Fault =
  | { readonly step: RotationStep; readonly when: 'before' | 'after' }
  | { readonly action: string; readonly when: 'before' | 'after'; readonly drop?: boolean };

/**
 * The emulator with our rotation handler registered, as Secrets Manager would invoke the Lambda; a captured pino
 * log; and fault injection through the engine hooks and around the handler.
 */
export interface RotationHarness {
  readonly emu: Emulator;
  readonly client: SecretsManagerClient;
  readonly lambdaArn: string;
  /** Every line the rotator logged. */
  readonly logText: () => string;
  /** The RotationTokens the emulator sent (sensitive: they must never be logged). */
  readonly rotationTokens: ReadonlySet<string>;
  /** The next matching point fails once. */
  injectFault(fault: Fault): void;
  /** Each step is invoked this many times per rotation (the service retries steps). */
  setInvocationsPerStep(count: number): void;
  createSecret(name: string, value: object): Promise<string>;
  /** RotateSecret (resuming the in-progress version, if any) and wait for the outcome. */
  rotate(secretId: string): Promise<{ status: string; error?: string; failedStep?: string }>;
  value(secretId: string, stage?: string): Promise<Record<string, unknown>>;
  stages(secretId: string): Promise<Record<string, string[]>>;
  close(): Promise<void>;
}

export async function startRotationHarness(
  engineFactory: (hooks: EngineHooks) => DatabaseEngine,
  env: NodeJS.ProcessEnv = {},
): Promise<RotationHarness> {
  const emu = await startEmulator({ host: '127.0.0.1', port: 0 });
  const client = new SecretsManagerClient(emu.clientConfig);
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  let fault: Fault | undefined;
  let invocations = 1;
  const rotationTokens = new Set<string>();
  const takeFault = (matches: (f: Fault) => boolean): Fault | undefined => {
    if (fault && matches(fault)) {
      const hit = fault;
      fault = undefined;
      return hit;
    }
    return undefined;
  };
  const hooks: EngineHooks = {
    onStatement: (event: StatementEvent) => {
      const hit = takeFault((f) => 'action' in f && f.action === event.action && f.when === event.phase);
      if (!hit) return;
      if ('drop' in hit && hit.drop) event.dropConnection();
      else throw new Error(`injected fault ${event.phase} ${event.action}`);
    },
  };
  const rotator = new Rotator({
    engine: engineFactory(hooks),
    secretsManager: client,
    logger: createLogger(sink, 'debug'),
    env,
  });
  const lambdaArn = `arn:aws:lambda:${emu.region}:${emu.accountId}:function:latchkey-rotator`;
  emu.rotation.register(lambdaArn, async (event) => {
    const step = event.Step as RotationStep;
    if (event.RotationToken) rotationTokens.add(event.RotationToken);
    if (takeFault((f) => 'step' in f && f.step === step && f.when === 'before')) {
      throw new Error(`injected fault before ${step}`);
    }
    for (let i = 0; i < invocations; i++) await rotator.handle(event);
    if (takeFault((f) => 'step' in f && f.step === step && f.when === 'after')) {
      throw new Error(`injected fault after ${step}`);
    }
  });

  const stages = async (secretId: string) =>
    (await client.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages ?? {};

  return {
    emu,
    client,
    lambdaArn,
    logText: () => lines.join(''),
    rotationTokens,
    injectFault: (next) => {
      fault = next;
    },
    setInvocationsPerStep: (count) => {
      invocations = count;
    },
    async createSecret(name, value) {
      const output = await client.send(
        new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }),
      );
      return output.ARN!;
    },
    async rotate(secretId) {
      const inProgress = Object.entries(await stages(secretId)).find(
        ([, s]) => s.includes('AWSPENDING') && !s.includes('AWSCURRENT'),
      )?.[0];
      await client.send(
        new RotateSecretCommand({
          SecretId: secretId,
          RotationLambdaARN: lambdaArn,
          RotationRules: { AutomaticallyAfterDays: 30 },
          ...(inProgress ? { ClientRequestToken: inProgress } : {}),
        }),
      );
      const outcome = await emu.rotation.whenIdle(secretId);
      return { status: outcome?.status ?? 'none', error: outcome?.error, failedStep: outcome?.failedStep };
    },
    async value(secretId, stage = 'AWSCURRENT') {
      const output = await client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }),
      );
      return JSON.parse(output.SecretString!) as Record<string, unknown>;
    },
    stages,
    async close() {
      client.destroy();
      await emu.close();
    },
  };
}
