import { InvalidJsonError } from '../errors.js';
import { parseSecretJson } from '../json.js';
import type { SecretValue } from '../types/secret.js';

/** The connection fields of an RDS-style database secret (AWS's JSON format for rotated database secrets). */
export interface DatabaseSecret {
  readonly engine: string | undefined;
  readonly host: string;
  readonly port: number | undefined;
  readonly username: string;
  readonly password: string;
  readonly dbname: string | undefined;
  /** `ssl: true` (or "true", "require") in the secret asks for TLS. */
  readonly ssl: boolean;
}

/** Reads the connection fields; a missing or mistyped field is an `InvalidJsonError` naming it (not its value). */
export function readDatabaseSecret(secretId: string, value: SecretValue): DatabaseSecret {
  const json = parseSecretJson(secretId, value);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new InvalidJsonError(`Secret '${secretId}' is not a JSON object with database credentials`, {
      secretId,
    });
  }
  const fields = json as Record<string, unknown>;
  const text = (name: string, required: boolean): string | undefined => {
    const field = fields[name];
    if (field === undefined || field === null || field === '') {
      if (required) throw new InvalidJsonError(`Secret '${secretId}' has no '${name}'`, { secretId });
      return undefined;
    }
    if (typeof field !== 'string') {
      throw new InvalidJsonError(`Secret '${secretId}': '${name}' must be a string`, { secretId });
    }
    return field;
  };
  const rawPort = fields.port;
  const port = rawPort === undefined || rawPort === null || rawPort === '' ? undefined : Number(rawPort);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new InvalidJsonError(`Secret '${secretId}': 'port' must be a port number`, { secretId });
  }
  const ssl = fields.ssl;
  return {
    engine: text('engine', false),
    host: text('host', true) as string,
    port,
    username: text('username', true) as string,
    password: text('password', true) as string,
    dbname: text('dbname', false),
    ssl: ssl === true || ssl === 'true' || ssl === 'require',
  };
}
