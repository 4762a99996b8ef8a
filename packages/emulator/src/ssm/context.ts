import type { OperationResult } from '../secretsmanager/context.js';
import type { Input } from '../secretsmanager/input.js';
import type { SecretStore } from '../secretsmanager/store.js';
import type { SecureStringSealer } from './secure-string.js';
import type { ParameterStore } from './store.js';

export interface SsmContext {
  store: ParameterStore;
  /** The emulator's own secrets, which `/aws/reference/secretsmanager/<secret id>` reads. */
  secrets: SecretStore;
  now: () => number;
  sealer: SecureStringSealer;
}

export type SsmOperation = (input: Input, context: SsmContext) => OperationResult;
