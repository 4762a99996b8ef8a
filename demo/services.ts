/**
 * The local cloud of the demo: the Secrets Manager emulator seeded with a demo secret, and the sidecar in front of
 * it with a fresh token, as `latchkey dev` starts them (its pieces are not exported, so this composes the same
 * public APIs).
 */
import { randomBytes } from 'node:crypto';
import { type Emulator, startEmulator } from '@latchkey/emulator';
import { type Sidecar, startSidecarOnEmulator } from '@latchkey/sidecar';

export interface DemoServicesOptions {
  readonly sidecarPort: number;
  readonly emulatorPort: number;
  /** The sidecar's ttl_seconds: how often it checks a cached secret's version upstream. */
  readonly sidecarTtlSeconds: number;
}

export interface DemoServices {
  readonly emulator: Emulator;
  readonly sidecar: Sidecar;
  readonly token: string;
  /** A plain-string secret to try with curl. */
  readonly apiKeyId: string;
  close(): Promise<void>;
}

export async function startDemoServices(options: DemoServicesOptions): Promise<DemoServices> {
  const apiKeyId = 'demo/api-key';
  const emulator = await startEmulator({
    host: '127.0.0.1',
    port: options.emulatorPort,
    seed: [{ Name: apiKeyId, SecretString: `demo-${randomBytes(12).toString('hex')}` }],
  });
  const token = randomBytes(16).toString('hex');
  try {
    const sidecar = await startSidecarOnEmulator({
      emulator,
      env: { AWS_TOKEN: token },
      port: options.sidecarPort,
      overrides: [
        { key: 'ttl_seconds', value: String(options.sidecarTtlSeconds) },
        // The demo's own lines tell the story; the sidecar speaks up only when something goes wrong.
        { key: 'log_level', value: 'warn' },
        { key: 'audit_log', value: 'off' },
      ],
    });
    return {
      emulator,
      sidecar,
      token,
      apiKeyId,
      async close() {
        await sidecar.close();
        await emulator.close();
      },
    };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}
