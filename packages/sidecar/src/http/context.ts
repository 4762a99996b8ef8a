import type { AuditLog } from '../audit/audit-log.js';
import type { ClientRegistry } from '../auth/clients.js';
import type { Logger } from '../logger.js';
import type { SidecarMetrics } from '../metrics.js';
import type { ParameterReader } from '../upstream/parameters.js';
import type { SecretReaders } from '../upstream/readers.js';
import type { SecretBodyRenderer } from './bodies/secret-body.js';
import type { ConnectionTracker } from './connections.js';

export interface Readiness {
  readonly ready: boolean;
  readonly detail: Record<string, unknown>;
}

/** What request handling reads. Fields that SIGHUP reloads (`clients`, `audit`, the `logger` level, and
 * `connections.maxConn`)
 * are swapped in place. */
export interface HandlerContext {
  pathPrefix: string;
  /** Lower-cased names of the headers that carry a token. */
  tokenHeaders: ReadonlySet<string>;
  clients: ClientRegistry;
  readers: SecretReaders;
  parameters: ParameterReader;
  renderer: SecretBodyRenderer;
  metrics: SidecarMetrics;
  audit: AuditLog | undefined;
  logger: Logger;
  connections: ConnectionTracker;
  readiness(): Readiness;
  closing: boolean;
}
