export type {
  Account,
  Credentials,
  DatabaseEngine,
  EngineHooks,
  EngineOptions,
  EngineSession,
  StatementEvent,
} from './engines/engine.js';
export { mysqlEngine } from './engines/mysql/session.js';
export { type MysqlServerVersion, parseMysqlVersion } from './engines/mysql/version.js';
export { md5Verifier, scramSha256Verifier } from './engines/postgres/password-verifier.js';
export { postgresEngine } from './engines/postgres/session.js';
export * from './errors.js';
export { createLambdaHandler, type RotationHandler } from './handlers/lambda.js';
export { createLogger } from './logger.js';
export { randomPasswordRequest } from './password.js';
export {
  parseRotationEvent,
  ROTATION_STEPS,
  type RotationEvent,
  type RotationStep,
} from './protocol/event.js';
export { Rotator, type RotatorOptions, type StepOptions } from './protocol/rotator.js';
export { alternateUserName, userNameLimit } from './secret/clone-name.js';
export {
  type DatabaseSecret,
  type EngineFamily,
  parseDatabaseSecret,
  type TlsMode,
} from './secret/database-secret.js';
export { createSecretsManagerClient } from './secrets-manager-client.js';
export type { StrategyName } from './strategies/strategy.js';
