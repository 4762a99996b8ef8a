import { randomBytes } from 'node:crypto';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Emulator, startEmulator } from '@latchkey/emulator';
import { AwsSource, type AwsSourceOptions } from '@latchkey/sdk';
import { afterAll, beforeAll } from 'vitest';

/** The emulator of the running test file and a client that sets up its secrets, set by `useEmulator()` (live
 * bindings: read them in tests). */
export let emu: Emulator;
export let admin: SecretsManagerClient;

/** Starts an emulator on a free loopback port before the file's tests and closes it after them. */
export function useEmulator(): void {
  beforeAll(async () => {
    emu = await startEmulator({ host: '127.0.0.1', port: 0 });
    admin = new SecretsManagerClient({ ...emu.clientConfig, maxAttempts: 1 });
  });
  afterAll(async () => {
    admin.destroy();
    await emu.close();
  });
}

/** An AwsSource on the emulator. The SDK does not retry, so the emulator's call counts are exact. */
export function emulatorSource(options: Omit<AwsSourceOptions, 'client' | 'clientConfig'> = {}): AwsSource {
  return new AwsSource({ clientConfig: { ...emu.clientConfig, maxAttempts: 1 }, ...options });
}

/** A secret name no other test uses: the emulator lives as long as the file. */
export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
