export type { AuditRecord } from './audit/audit-line.js';
export { AuditLog, type LineSink } from './audit/audit-log.js';
export {
  ALLOW_ALL,
  evaluatePolicy,
  type KnownResource,
  type PolicyDocument,
  parsePolicy,
} from './auth/policy.js';
export { ConfigError } from './config/errors.js';
export { type ConfigOverride, loadConfig } from './config/load.js';
export type { ClientConfig, RenderTemplate, SidecarConfig } from './config/schema.js';
export { NODE_SUPPORT_LINE, shortenNodeSupportWarning } from './node-support.js';
export {
  type EmulatorAddress,
  type SidecarOnEmulatorOptions,
  startSidecarOnEmulator,
} from './on-emulator.js';
export { type ReaderDependencies, Sidecar, type SidecarOptions } from './sidecar.js';
export { awsParameters, awsReaders } from './upstream/aws.js';
export { checkCredentials } from './upstream/credentials.js';
export type { ParameterLookup, ParameterReader, ParameterRequest } from './upstream/parameters.js';
export type { SecretReader, SecretReaderFactory } from './upstream/readers.js';
