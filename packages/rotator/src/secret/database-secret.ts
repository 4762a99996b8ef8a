import { SecretFormatError } from '../errors.js';

/** The engine families one handler serves: MySQL/MariaDB/Aurora MySQL, and PostgreSQL/Aurora PostgreSQL. */
export type EngineFamily = 'mysql' | 'postgres';

export const ENGINES_BY_FAMILY: Readonly<Record<EngineFamily, readonly string[]>> = {
  mysql: ['mysql', 'mariadb', 'aurora-mysql'],
  postgres: ['postgres', 'aurora-postgresql'],
};

const DEFAULT_PORT: Readonly<Record<EngineFamily, number>> = { mysql: 3306, postgres: 5432 };

/**
 * What the `ssl` key asks for: `require` (TLS, certificate and host verified), `disable` (plain), or `prefer`
 * (the key is absent or unrecognised: try TLS, fall back to plain and log that it did, as AWS's functions do).
 */
export type TlsMode = 'require' | 'disable' | 'prefer';

/**
 * A database secret in AWS's JSON format. `fields` is the whole object as stored, so keys we do not know
 * (dbInstanceIdentifier, proxy settings, ...) are written back untouched.
 */
export interface DatabaseSecret {
  readonly engine: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly dbname: string | undefined;
  readonly tls: TlsMode;
  readonly masterarn: string | undefined;
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface ParseOptions {
  readonly family: EngineFamily;
  /** Where the JSON came from, for error messages (e.g. `<arn> (AWSPENDING)`). */
  readonly source: string;
  /** AWS's multi-user functions require `engine`; the single-user ones accept a secret without it. */
  readonly requireEngine?: boolean;
}

function fail(options: ParseOptions, key: string, what: string): never {
  throw new SecretFormatError(`secret ${options.source}: ${what}`, { secretId: options.source, key });
}

function requiredString(fields: Record<string, unknown>, key: string, options: ParseOptions): string {
  const value = fields[key];
  if (value === undefined || value === null) fail(options, key, `missing key '${key}'`);
  if (typeof value !== 'string' || value === '')
    fail(options, key, `key '${key}' must be a non-empty string`);
  return value;
}

function optionalString(
  fields: Record<string, unknown>,
  key: string,
  options: ParseOptions,
): string | undefined {
  const value = fields[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') fail(options, key, `key '${key}' must be a string`);
  return value;
}

function parsePort(fields: Record<string, unknown>, options: ParseOptions): number {
  const value = fields.port;
  if (value === undefined || value === null || value === '') return DEFAULT_PORT[options.family];
  const port =
    typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail(options, 'port', `key 'port' must be a port number (a number or a string of digits)`);
  }
  return port;
}

function parseTls(value: unknown): TlsMode {
  if (value === true) return 'require';
  if (value === false) return 'disable';
  if (typeof value === 'string') {
    const lowered = value.trim().toLowerCase();
    if (lowered === 'true') return 'require';
    if (lowered === 'false') return 'disable';
  }
  return 'prefer';
}

/** Parses and validates a secret string; the error names the key that is missing or bad, never a value. */
export function parseDatabaseSecret(secretString: string | undefined, options: ParseOptions): DatabaseSecret {
  if (secretString === undefined) fail(options, 'SecretString', 'the version has no SecretString');
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    fail(options, 'SecretString', 'the SecretString is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    fail(options, 'SecretString', 'the SecretString is not a JSON object');
  }
  const fields = parsed as Record<string, unknown>;
  const engine = optionalString(fields, 'engine', options);
  if (engine === undefined && options.requireEngine) fail(options, 'engine', `missing key 'engine'`);
  const allowed = ENGINES_BY_FAMILY[options.family];
  if (engine !== undefined && !allowed.includes(engine)) {
    fail(options, 'engine', `key 'engine' is '${engine}'; this function rotates ${allowed.join(', ')}`);
  }
  return {
    engine,
    host: requiredString(fields, 'host', options),
    port: parsePort(fields, options),
    username: requiredString(fields, 'username', options),
    password: requiredString(fields, 'password', options),
    dbname: optionalString(fields, 'dbname', options),
    tls: parseTls(fields.ssl),
    masterarn: optionalString(fields, 'masterarn', options),
    fields,
  };
}

/** The stored JSON for a new version: every original key kept, with the changed ones replaced. */
export function serializeDatabaseSecret(
  secret: DatabaseSecret,
  changes: { username?: string; password: string },
): string {
  return JSON.stringify({ ...secret.fields, ...changes });
}
