/** The AWS Parameters and Secrets Lambda Extension's environment variables, so a Lambda function configured for
 * the extension works with Latchkey as its extension unchanged. They override the file. */
import type { ConfigDraft } from './keys.js';
import { asBool, asEnum, asInt, type Where } from './values.js';

const FILE = 'environment';

export function applyLambdaEnv(draft: ConfigDraft, env: NodeJS.ProcessEnv): void {
  const at = (key: string): Where => ({ file: FILE, key });
  const read = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };

  const port = read('PARAMETERS_SECRETS_EXTENSION_HTTP_PORT');
  if (port !== undefined)
    draft.httpPort = asInt(port, at('PARAMETERS_SECRETS_EXTENSION_HTTP_PORT'), 1, 65535);

  const enabled = read('PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED');
  if (enabled !== undefined)
    draft.cacheEnabled = asBool(enabled, at('PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED'));

  const size = read('PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE');
  if (size !== undefined) {
    const entries = asInt(size, at('PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE'), 0, 1000);
    // As in the extension, 0 turns the cache off.
    if (entries === 0) draft.cacheEnabled = false;
    else draft.cacheSize = entries;
  }

  const sockets = read('PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS');
  if (sockets !== undefined) {
    draft.upstreamMaxSockets = asInt(sockets, at('PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS'), 1, 100_000);
  }

  const level = read('PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL');
  if (level !== undefined) {
    draft.logLevel = asEnum(level, at('PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL'), [
      'debug',
      'info',
      'warn',
      'error',
      'none',
    ]);
  }

  // The extension caps this at 300 s; Latchkey accepts the agent's full 0-3600 range (0 turns the cache off).
  const ttl = read('SECRETS_MANAGER_TTL');
  if (ttl !== undefined) {
    draft.ttlSeconds = asInt(ttl, at('SECRETS_MANAGER_TTL'), 0, 3600);
    if (draft.ttlSeconds === 0) draft.cacheEnabled = false;
  }

  const timeout = read('SECRETS_MANAGER_TIMEOUT_MILLIS');
  if (timeout !== undefined)
    draft.upstreamTimeoutMs = asInt(timeout, at('SECRETS_MANAGER_TIMEOUT_MILLIS'), 0, 600_000);

  // Parameter Store, for `/systemsmanager/parameters/get`: the same ranges as for secrets (0 keeps nothing).
  const parameterTtl = read('SSM_PARAMETER_STORE_TTL');
  if (parameterTtl !== undefined)
    draft.latchkey.parameterTtlSeconds = asInt(parameterTtl, at('SSM_PARAMETER_STORE_TTL'), 0, 3600);

  const parameterTimeout = read('SSM_PARAMETER_STORE_TIMEOUT_MILLIS');
  if (parameterTimeout !== undefined) {
    draft.parameterTimeoutMs = asInt(parameterTimeout, at('SSM_PARAMETER_STORE_TIMEOUT_MILLIS'), 0, 600_000);
  }
}
