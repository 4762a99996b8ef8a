/**
 * Rotation every few seconds, as Secrets Manager would do it on a (much longer) schedule: RotateSecret on the
 * emulator, which invokes our PostgreSQL rotation function for its four steps. One line per rotation.
 */
import { RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Emulator } from '@latchkey/emulator';
import { createLogger, postgresEngine, Rotator } from '@latchkey/rotator';

export interface RotationSchedule {
  stop(): Promise<void>;
}

export function startRotationSchedule(
  emulator: Emulator,
  secretId: string,
  everyMs: number,
  say: (line: string) => void,
): RotationSchedule {
  const secretsManager = new SecretsManagerClient(emulator.clientConfig);
  const lambdaArn = `arn:aws:lambda:${emulator.region}:${emulator.accountId}:function:latchkey-postgres-rotation`;
  // The function's own JSON log goes to stderr, warnings and errors only (never a password, by construction).
  const rotator = new Rotator({
    engine: postgresEngine(),
    secretsManager,
    logger: createLogger(process.stderr, 'warn'),
  });
  emulator.rotation.register(lambdaArn, (event) => rotator.handle(event));

  const stopped = new AbortController();
  const running = (async () => {
    for (let count = 1; ; count++) {
      const due = await waitOrStop(everyMs, stopped.signal);
      if (!due) return;
      const startedAt = performance.now();
      try {
        const { VersionId } = await secretsManager.send(
          new RotateSecretCommand({
            SecretId: secretId,
            RotationLambdaARN: lambdaArn,
            RotationRules: { AutomaticallyAfterDays: 1 },
          }),
        );
        const outcome = await emulator.rotation.whenIdle(secretId);
        const took = Math.round(performance.now() - startedAt);
        say(
          outcome?.status === 'succeeded' && outcome.versionId === VersionId
            ? `rotation ${count}: ${secretId} rotated in ${took} ms, AWSCURRENT is now version ${short(VersionId)}`
            : `rotation ${count}: ${secretId} ${outcome?.status ?? 'did not run'} at ${outcome?.failedStep ?? '?'}: ${outcome?.error ?? ''}`,
        );
      } catch (error) {
        say(`rotation ${count}: RotateSecret failed (${(error as Error).name})`);
      }
    }
  })();

  return {
    async stop() {
      stopped.abort();
      await running;
      emulator.rotation.unregister(lambdaArn);
      secretsManager.destroy();
    },
  };
}

export const short = (versionId: string | undefined): string => (versionId ?? '').slice(0, 8);

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function waitOrStop(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
