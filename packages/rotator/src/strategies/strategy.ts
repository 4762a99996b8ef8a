import type { Logger } from 'pino';
import type { DatabaseEngine } from '../engines/engine.js';
import type { SecretStore } from '../protocol/secret-store.js';
import type { DatabaseSecret, EngineFamily } from '../secret/database-secret.js';

export type StrategyName = 'single-user' | 'alternating-users';

/** What a strategy gets for one step of one rotation. */
export interface StepContext {
  readonly secretId: string;
  readonly token: string;
  readonly family: EngineFamily;
  readonly engine: DatabaseEngine;
  readonly store: SecretStore;
  readonly logger: Logger;
  readonly env: NodeJS.ProcessEnv;
}

/** The database side of a rotation; the protocol engine does the Secrets Manager side. */
export interface RotationStrategy {
  readonly name: StrategyName;
  /** createSecret: the user name the new version holds. */
  pendingUserName(context: StepContext, current: DatabaseSecret): string;
  /** setSecret: make the database accept the pending credentials, converging from any partial earlier run. */
  setSecret(context: StepContext, current: DatabaseSecret, pending: DatabaseSecret): Promise<void>;
  /** testSecret: prove the pending credentials work (no side effects). */
  testSecret(context: StepContext, current: DatabaseSecret, pending: DatabaseSecret): Promise<void>;
}
