/**
 * `@latchkey/sdk/db`: the database secret format and its TLS rule, shared by the SDK's pool helpers and the
 * rotator. Loads no driver and no AWS client.
 */
export {
  type DatabaseSecret,
  DatabaseSecretError,
  type DatabaseSecretOptions,
  ENGINES_BY_FAMILY,
  type EngineFamily,
  familyOfEngine,
  parseDatabaseSecret,
  readDatabaseSecret,
  serializeDatabaseSecret,
  type TlsMode,
} from './db/database-secret.js';
export {
  connectWithTlsMode,
  isTlsSetupError,
  PLAIN_FALLBACK_WARNING,
  VERIFIED_TLS,
} from './db/tls.js';
export { parseJsonText } from './json.js';
