import type { Input } from './input.js';
import type { SecretStore } from './store.js';

/** What the rotation operations need from the emulator's rotation runner. */
export interface RotationLauncher {
  /** True when a rotation function is registered under this Lambda ARN. */
  hasFunction(lambdaArn: string): boolean;
  /** True while the emulator is still invoking steps for this secret. */
  isRunning(secretArn: string): boolean;
  /** Invokes the four steps for the secret's pending version, after the current request is answered. */
  start(secretArn: string, lambdaArn: string, versionId: string): void;
  /** Stops invoking further steps of a running rotation. */
  cancel(secretArn: string): void;
}

export interface SecretsManagerContext {
  store: SecretStore;
  now: () => number;
  rotation: RotationLauncher;
}

export type OperationResult = Record<string, unknown>;
export type Operation = (input: Input, context: SecretsManagerContext) => OperationResult;
