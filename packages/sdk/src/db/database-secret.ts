/**
 * AWS's JSON format for database secrets, read one way by the SDK's pool helpers and by the rotator. The rotator
 * README's "Secret format" section is the table this follows.
 */
import { InvalidJsonError } from '../errors.js';
import { parseJsonText } from '../json.js';
import type { SecretValue } from '../types/secret.js';

/** The engine families: MySQL/MariaDB/Aurora MySQL, and PostgreSQL/Aurora PostgreSQL. */
export type EngineFamily = 'mysql' | 'postgres';

export const ENGINES_BY_FAMILY: Readonly<Record<EngineFamily, readonly string[]>> = {
  mysql: ['mysql', 'mariadb', 'aurora-mysql'],
  postgres: ['postgres', 'aurora-postgresql'],
};

const DEFAULT_PORT: Readonly<Record<EngineFamily, number>> = { mysql: 3306, postgres: 5432 };
/** AWS's functions connect PostgreSQL to `postgres` and MySQL to no database when `dbname` is absent. */
const DEFAULT_DBNAME: Readonly<Record<EngineFamily, string | undefined>> = {
  mysql: undefined,
  postgres: 'postgres',
};

/**
 * What the `ssl` key asks for: `require` (TLS, certificate and host name verified, never downgraded), `disable`
 * (plain), or `prefer` (the key is absent: try TLS, fall back to plain when TLS cannot be set up, as AWS's
 * functions do).
 */
export type TlsMode = 'require' | 'disable' | 'prefer';

/** `ssl` strings that ask for TLS (libpq's `sslmode` words included): all mean required and verified here. */
const TLS_REQUIRED_WORDS = new Set(['true', 'require', 'required', 'verify-ca', 'verify-full']);

/**
 * A database secret. `fields` is the whole object as stored, so keys we do not know (dbInstanceIdentifier, proxy
 * settings, ...) are written back untouched.
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

/** A database secret that is not valid: `key` is the key that is missing or bad (the message names it too). */
export class DatabaseSecretError extends InvalidJsonError {
  readonly key: string;

  constructor(message: string, details: { secretId: string; key: string }) {
    super(message, { secretId: details.secretId });
    this.key = details.key;
  }
}

export interface DatabaseSecretOptions {
  readonly family: EngineFamily;
  readonly secretId: string;
  /** Which version the JSON came from, for error messages (e.g. `AWSPENDING 1f2e...`). */
  readonly version?: string;
  /** AWS's multi-user functions require `engine`; the single-user ones accept a secret without it. */
  readonly requireEngine?: boolean;
}

/** The family an `engine` value belongs to (`mysql` and `postgres` name the families themselves). */
export function familyOfEngine(engine: string | undefined): EngineFamily | undefined {
  for (const [family, engines] of Object.entries(ENGINES_BY_FAMILY) as [EngineFamily, readonly string[]][]) {
    if (engine !== undefined && engines.includes(engine)) return family;
  }
  return undefined;
}

/** Parses and validates a secret string; an error names the key that is missing or bad, never a value. */
export function parseDatabaseSecret(
  secretString: string | undefined,
  options: DatabaseSecretOptions,
): DatabaseSecret {
  const { secretId, version } = options;
  const source = version === undefined ? secretId : `${secretId} (${version})`;
  const fail = (key: string, what: string): never => {
    throw new DatabaseSecretError(`secret ${source}: ${what}`, { secretId, key });
  };
  if (secretString === undefined) return fail('SecretString', 'the version has no SecretString');
  let parsed: unknown;
  try {
    parsed = parseJsonText(secretString, `secret ${source}`, secretId);
  } catch {
    return fail('SecretString', 'the SecretString is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail('SecretString', 'the SecretString is not a JSON object');
  }
  const fields = parsed as Record<string, unknown>;
  const optionalString = (key: string): string | undefined => {
    const value = fields[key];
    if (value === undefined || value === null || value === '') return undefined;
    return typeof value === 'string' ? value : fail(key, `key '${key}' must be a string`);
  };
  const requiredString = (key: string): string => {
    const value = fields[key];
    if (value === undefined || value === null) return fail(key, `missing key '${key}'`);
    return typeof value === 'string' && value !== ''
      ? value
      : fail(key, `key '${key}' must be a non-empty string`);
  };

  const engine = optionalString('engine');
  if (engine === undefined && options.requireEngine) fail('engine', `missing key 'engine'`);
  const allowed = ENGINES_BY_FAMILY[options.family];
  if (engine !== undefined && !allowed.includes(engine)) {
    fail('engine', `key 'engine' is '${engine}'; expected one of ${allowed.join(', ')}`);
  }
  return {
    engine,
    host: requiredString('host'),
    port: parsePort(fields.port, options.family, fail),
    username: requiredString('username'),
    password: requiredString('password'),
    dbname: optionalString('dbname') ?? DEFAULT_DBNAME[options.family],
    tls: parseTls(fields.ssl, fail),
    masterarn: optionalString('masterarn'),
    fields,
  };
}

type Fail = (key: string, what: string) => never;

function parsePort(value: unknown, family: EngineFamily, fail: Fail): number {
  if (value === undefined || value === null || value === '') return DEFAULT_PORT[family];
  const port =
    typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail('port', `key 'port' must be a port number (a number or a string of digits)`);
  }
  return port;
}

/** Any value other than the documented ones is refused: reading it as "prefer" would be a silent downgrade. */
function parseTls(value: unknown, fail: Fail): TlsMode {
  if (value === undefined || value === null) return 'prefer';
  if (value === true) return 'require';
  if (value === false) return 'disable';
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (word === 'false') return 'disable';
    if (TLS_REQUIRED_WORDS.has(word)) return 'require';
  }
  return fail(
    'ssl',
    `key 'ssl' must be true or false (or one of the strings "true", "false", "require", "verify-ca", "verify-full")`,
  );
}

/** A cached secret value as a database secret. */
export function readDatabaseSecret(
  secretId: string,
  value: SecretValue,
  family: EngineFamily,
): DatabaseSecret {
  return parseDatabaseSecret(value.string, { family, secretId, version: `version ${value.versionId}` });
}

/** The stored JSON for a new version: every original key kept, with the changed ones replaced. */
export function serializeDatabaseSecret(
  secret: DatabaseSecret,
  changes: { username?: string; password: string },
): string {
  return JSON.stringify({ ...secret.fields, ...changes });
}
