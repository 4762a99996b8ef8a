export type { RequestLogEntry } from './call-log.js';
export {
  type ClientConfig,
  Emulator,
  type EmulatorOptions,
  type RotationController,
  startEmulator,
} from './emulator.js';
export { DataFileError } from './errors.js';
export type { ActiveFault, FaultKind, FaultSpec } from './faults.js';
export { FAULT_KINDS, FaultSpecError } from './faults.js';
export type { ErrorReport, InvocationResult } from './lambda/runtime-api.js';
export {
  type ExtensionTiming,
  type Invocation,
  type LambdaCredentials,
  LambdaInitError,
  LambdaSimulator,
  type LambdaSimulatorOptions,
  type ProcessRecord,
  type ShutdownOutcome,
} from './lambda/simulator.js';
export {
  type RateQuota,
  RequestQuotas,
  SECRETS_MANAGER_RATE_QUOTAS,
  TokenBucket,
} from './quotas.js';
export type { RotationEvent, RotationHandler, RotationOutcome, RotationStep } from './rotation/runner.js';
export type { SeedParameter, SeedSecret } from './seed.js';
export { readSeedFile } from './seed.js';
export type { RoleSettings } from './sts/sts.js';
