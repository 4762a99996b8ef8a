/** The real stack for integration tests: the emulator over HTTP, the SDK's SecretsCache through the AWS SDK v3
 * client, and the sidecar in front of it, on 127.0.0.1:0, with audit and logs captured. */
import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Emulator, startEmulator } from '@latchkey/emulator';
import type { ConfigOverride } from '../../src/config/load.js';
import { startSidecarOnEmulator } from '../../src/on-emulator.js';
import type { Sidecar } from '../../src/sidecar.js';
import { captureLogger, LineCapture } from './capture.js';

export interface Stack {
  readonly emulator: Emulator;
  readonly sm: SecretsManagerClient;
  readonly sidecar: Sidecar;
  readonly url: string;
  readonly token: string;
  readonly audit: LineCapture;
  readonly logs: LineCapture;
  /** A unique secret name with this stem. */
  name(stem: string): string;
  create(name: string, value: string | Uint8Array): Promise<{ ARN?: string; VersionId?: string }>;
  close(): Promise<void>;
}

export interface StackOptions {
  readonly overrides?: readonly ConfigOverride[];
  readonly file?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly emulator?: Emulator;
  /** Runs after the emulator is up and before the sidecar starts (e.g. create the secrets to prefetch). */
  readonly before?: (emulator: Emulator, sm: SecretsManagerClient) => Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const emulator = options.emulator ?? (await startEmulator({ host: '127.0.0.1', port: 0 }));
  const sm = new SecretsManagerClient(emulator.clientConfig);
  await options.before?.(emulator, sm);
  const token = `tok-${randomBytes(8).toString('hex')}`;
  const env = { AWS_TOKEN: token, ...options.env };
  const audit = new LineCapture();
  const logs = new LineCapture();
  const sidecar = await startSidecarOnEmulator({
    emulator,
    env,
    configEnv: env,
    file: options.file,
    overrides: options.overrides,
    auditSink: audit,
    logger: captureLogger(logs),
  });
  const suffix = randomBytes(4).toString('hex');
  return {
    emulator,
    sm,
    sidecar,
    url: sidecar.url,
    token,
    audit,
    logs,
    name: (stem) => `${stem}-${suffix}`,
    create: async (name, value) =>
      sm.send(
        new CreateSecretCommand(
          typeof value === 'string'
            ? { Name: name, SecretString: value }
            : { Name: name, SecretBinary: value },
        ),
      ),
    close: async () => {
      await sidecar.close();
      sm.destroy();
      if (options.emulator === undefined) await emulator.close();
    },
  };
}
