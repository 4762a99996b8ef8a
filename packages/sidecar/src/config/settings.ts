/**
 * Every sidecar setting, described once: its key in the TOML file, its `serve` flag, the Lambda extension's
 * environment variables that set it, its default, how a value is read and checked, whether a SIGHUP reload applies
 * it (`live`) or it waits for a restart, and its help. The file reader, the environment, the flags, `serve --help`,
 * the reload rules and the README's tables are derived from this table.
 */
import { validateHeaderName } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import type { LatchkeyConfig, SidecarConfig } from './schema.js';
import { parseAuditTable, parseClients, parseRenderTemplates } from './toml.js';
import { asBool, asEnum, asInt, asMode, asString, asStringList, fail, type Where } from './values.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type ConfigDraft = Mutable<Omit<SidecarConfig, 'latchkey'>> & { latchkey: Mutable<LatchkeyConfig> };

/** `live`: a SIGHUP reload applies a change at once; `restart`: a change waits for a restart (and is logged). */
export type Reload = 'live' | 'restart';

export interface EnvironmentVariable {
  readonly name: string;
  /** What it sets, for the README. */
  readonly effect: string;
  /** Applies the variable's (non-empty) value. */
  readonly apply: (draft: ConfigDraft, value: string, where: Where) => void;
}

export interface Setting {
  /** The key in the TOML file (`latchkey.` for the `[latchkey]` table); none for a setting only the environment sets. */
  readonly key: string | undefined;
  /** The `serve` flag without its dashes (`http-port`), if any. */
  readonly flag: string | undefined;
  /** What the flag takes, as `--help` shows it (`<port>`); empty for a switch. */
  readonly flagValue: string;
  readonly repeatable: boolean;
  readonly env: readonly EnvironmentVariable[];
  readonly reload: Reload;
  readonly help: string;
  /** More for the README than `--help` has room for. */
  readonly details: string | undefined;
  /** The default as help shows it; undefined when there is nothing to show. */
  readonly defaultText: string | undefined;
  /** The default as the README shows it (Markdown). */
  readonly defaultMarkdown: string;
  applyDefault(draft: ConfigDraft): void;
  /** A value from the file (as TOML typed it) or from a flag (a string, or true for a switch). */
  apply(draft: ConfigDraft, value: unknown, where: Where, from: 'file' | 'flag'): void;
  /** Its value in a configuration, to tell what a reload changes. */
  read(config: SidecarConfig): unknown;
}

/** Where a setting's value lives in the configuration. */
interface Field<T> {
  get(config: SidecarConfig): T;
  set(draft: ConfigDraft, value: T): void;
}

type TopName = Exclude<keyof SidecarConfig, 'file' | 'latchkey'>;

function top<K extends TopName>(name: K): Field<SidecarConfig[K]> {
  return {
    get: (config) => config[name],
    set: (draft, value) => {
      (draft as Record<K, SidecarConfig[K]>)[name] = value;
    },
  };
}

function inLatchkey<K extends keyof LatchkeyConfig>(name: K): Field<LatchkeyConfig[K]> {
  return {
    get: (config) => config.latchkey[name],
    set: (draft, value) => {
      (draft.latchkey as Record<K, LatchkeyConfig[K]>)[name] = value;
    },
  };
}

type Parse<T> = (value: unknown, where: Where) => T;

interface Spec<T> {
  readonly key?: string;
  readonly field: Field<T>;
  readonly default: T;
  /** When the default is better said than shown (`unset`, `the AWS SDK chain`). */
  readonly defaultText?: string;
  /** Reads a value from the file or a flag; a setting only the environment sets has none. */
  readonly parse?: Parse<T>;
  /** The flag's value in help (`<n>`), or its shape; false: no flag. Named after the key's last part. */
  readonly flag:
    | string
    | false
    | {
        readonly value: string;
        readonly name?: string;
        readonly repeatable?: boolean;
        readonly parse?: Parse<T>;
      };
  readonly env?: readonly EnvironmentVariable[];
  readonly reload: Reload;
  readonly help: string;
  readonly details?: string;
}

function shown(value: unknown): string | undefined {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return undefined;
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** A value as it is written in TOML. */
function asToml(value: unknown): string {
  return Array.isArray(value) ? `[${value.map(asToml).join(', ')}]` : JSON.stringify(value);
}

function define<T>(spec: Spec<T>): Setting {
  const { field, parse } = spec;
  const flag = typeof spec.flag === 'string' ? { value: spec.flag } : spec.flag;
  const flagParse = (flag === false ? undefined : flag.parse) ?? parse;
  return {
    key: spec.key,
    flag:
      flag === false ? undefined : (flag.name ?? spec.key?.replace(/^latchkey\./, '').replaceAll('_', '-')),
    flagValue: flag === false ? '' : flag.value,
    repeatable: flag !== false && flag.repeatable === true,
    env: spec.env ?? [],
    reload: spec.reload,
    help: spec.help,
    details: spec.details,
    defaultText: spec.defaultText ?? shown(spec.default),
    defaultMarkdown:
      spec.defaultText ?? (spec.default === undefined ? 'unset' : `\`${asToml(spec.default)}\``),
    applyDefault: (draft) => field.set(draft, structuredClone(spec.default)),
    apply: (draft, value, where, from) => {
      const read = from === 'flag' ? flagParse : parse;
      if (read === undefined) throw new Error(`${spec.key ?? spec.help} is not read from a ${from}`);
      field.set(draft, read(value, where));
    },
    read: (config) => field.get(config),
  };
}

/** An environment variable that sets the field, read by `parse`. */
function sets<T>(name: string, effect: string, field: Field<T>, parse: Parse<T>): EnvironmentVariable {
  return { name, effect, apply: (draft, value, where) => field.set(draft, parse(value, where)) };
}

const int = (min: number, max: number, rangeReason?: string): Parse<number> => {
  return (value, where) => asInt(value, where, min, max, rangeReason);
};
const string: Parse<string> = asString;
const bool: Parse<boolean> = asBool;

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'none'] as const;
const WORLD_WRITABLE = 0o002;

const agentRange = (what: string, rule: string) =>
  `The ${what} specified in the configuration file isn't valid. The ${what.replace(/ in seconds$/, '')} must be ${rule}.`;

const httpPort = top('httpPort');
const ttlSeconds = top('ttlSeconds');
const cacheSize = top('cacheSize');
const cacheEnabled = top('cacheEnabled');
const logLevel = top('logLevel');
const parameterTtlSeconds = inLatchkey('parameterTtlSeconds');

/** Turns the cache off for the Lambda extension's `0` (a size or a TTL of 0). */
function offWhenZero(draft: ConfigDraft, value: number): void {
  if (value === 0) draft.cacheEnabled = false;
}

export const SETTINGS: readonly Setting[] = [
  // The agent's keys: same names, defaults, ranges and messages.
  define({
    key: 'http_port',
    field: httpPort,
    default: 2773,
    parse: (value, where) => {
      // As the agent's code: 0 (an ephemeral port) passes, 1-1023 do not.
      const port = asInt(value, where, 0, 65535);
      if (port > 0 && port < 1024) fail(where, agentRange('HTTP port', 'in the range 1024 to 65535'));
      return port;
    },
    flag: '<port>',
    env: [sets('PARAMETERS_SECRETS_EXTENSION_HTTP_PORT', '`http_port` (1–65535)', httpPort, int(1, 65535))],
    reload: 'restart',
    help: 'port for every TCP address: 1024-65535, or 0 for any free port',
  }),
  define({
    key: 'ttl_seconds',
    field: ttlSeconds,
    default: 300,
    parse: int(0, 3600, agentRange('TTL in seconds', 'in the range 0 to 3600')),
    flag: '<n>',
    env: [
      {
        name: 'SECRETS_MANAGER_TTL',
        effect:
          '`ttl_seconds` (0–3600; the extension caps it at 300, Latchkey does not); 0 turns the cache off',
        apply: (draft, value, where) => {
          draft.ttlSeconds = asInt(value, where, 0, 3600);
          offWhenZero(draft, draft.ttlSeconds);
        },
      },
    ],
    reload: 'restart',
    help: 'cache TTL (0 turns the cache off), 0-3600',
    details: 'with 0 every read goes to AWS, still one call per concurrent burst',
  }),
  define({
    key: 'cache_size',
    field: cacheSize,
    default: 1000,
    parse: int(1, 1000, agentRange('cache size', 'in the range 1 to 1000')),
    flag: '<n>',
    env: [
      {
        name: 'PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE',
        effect: '`cache_size`; `0` turns the cache off',
        apply: (draft, value, where) => {
          const entries = asInt(value, where, 0, 1000);
          offWhenZero(draft, entries);
          if (entries > 0) draft.cacheSize = entries;
        },
      },
    ],
    reload: 'restart',
    help: 'cached entries (least recently used evicted), 1-1000',
  }),
  define({
    key: 'max_conn',
    field: top('maxConn'),
    default: 800,
    parse: int(1, 1000, agentRange('maximum number of connections', 'in the range 1 to 1000')),
    flag: '<n>',
    reload: 'live',
    help: 'open connections before 429, 1-1000',
  }),
  define({
    key: 'log_level',
    field: logLevel,
    default: 'info',
    parse: (value, where) =>
      asEnum(value, where, LOG_LEVELS, agentRange('log level', 'DEBUG, INFO, WARN, ERROR, or NONE')),
    flag: '<level>',
    env: [
      sets('PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL', '`log_level`', logLevel, (value, where) =>
        asEnum(value, where, LOG_LEVELS),
      ),
    ],
    reload: 'live',
    help: 'debug, info, warn, error or none',
    details: 'any case',
  }),
  define({
    key: 'log_to_file',
    field: top('logToFile'),
    // The agent defaults to ./logs/…; Latchkey logs to stderr unless asked (read-only root filesystems).
    default: false,
    parse: bool,
    flag: '<bool>',
    reload: 'restart',
    help: 'log to latchkey.log_file instead of stderr (the agent: true)',
  }),
  define({
    key: 'path_prefix',
    field: top('pathPrefix'),
    default: '/v1/',
    parse: (value, where) => {
      const prefix = asString(value, where);
      if (!prefix.startsWith('/'))
        fail(where, 'The path prefix specified in the configuration file must begin with /.');
      return prefix;
    },
    flag: '<prefix>',
    reload: 'restart',
    help: 'prefix of the path form (GET <prefix><secret-id>); must begin with /',
  }),
  define<string | undefined>({
    key: 'region',
    field: top('region'),
    default: undefined,
    defaultText: "the AWS SDK's chain",
    parse: string,
    flag: '<region>',
    reload: 'restart',
    help: 'AWS region',
  }),
  define<readonly string[]>({
    key: 'ssrf_headers',
    field: top('ssrfHeaders'),
    default: ['X-Aws-Parameters-Secrets-Token', 'X-Vault-Token'],
    parse: (value, where) => {
      const names = asStringList(
        value,
        where,
        "The list of SSRF headers in the configuration file can't be empty.",
      );
      for (const name of names) {
        try {
          validateHeaderName(name);
        } catch {
          fail(where, `${JSON.stringify(name)} is not a valid header name`);
        }
      }
      return names;
    },
    flag: '<a,b>',
    reload: 'restart',
    help: 'headers that carry the token (not empty)',
  }),
  define<readonly string[]>({
    key: 'ssrf_env_variables',
    field: top('ssrfEnvVariables'),
    default: ['AWS_TOKEN', 'AWS_SESSION_TOKEN', 'AWS_CONTAINER_AUTHORIZATION_TOKEN'],
    parse: (value, where) =>
      asStringList(
        value,
        where,
        "The list of SSRF environment variables in the configuration file can't be empty.",
      ),
    flag: '<a,b>',
    reload: 'live',
    help: 'variables holding the token, the first one set is used (not empty)',
  }),
  define({
    key: 'ignore_transient_errors',
    field: top('ignoreTransientErrors'),
    default: true,
    parse: bool,
    flag: '<bool>',
    reload: 'restart',
    help: 'serve cached values (flagged stale) while AWS fails transiently; false sets max stale to 0',
  }),
  define({
    key: 'validate_credentials',
    field: top('validateCredentials'),
    default: true,
    parse: bool,
    flag: '<bool>',
    reload: 'restart',
    help: 'check the credentials with STS GetCallerIdentity at start-up',
    details:
      'exit 1, naming the credential chain, when credentials are missing or rejected, or on another permanent failure (other transient ones pass with `ignore_transient_errors`); skipped with `credentials_file_path`',
  }),
  define<string | undefined>({
    key: 'credentials_file_path',
    field: top('credentialsFilePath'),
    default: undefined,
    parse: string,
    flag: '<path>',
    reload: 'restart',
    help: 'an AWS credentials file ([default] profile) instead of the default chain',
  }),
  define({
    key: 'max_roles',
    field: top('maxRoles'),
    default: 20,
    parse: int(1, 100),
    flag: '<n>',
    reload: 'restart',
    help: 'cached role caches for roleArn, 1-100',
    details:
      "at the limit a client's new role replaces that client's least recently used role (a client holding none: the least recently used of all)",
  }),

  // Set only by the Lambda extension's variables.
  define({
    field: cacheEnabled,
    default: true,
    flag: false,
    env: [
      {
        name: 'PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED',
        effect: '`false`: no caching (every read goes to AWS)',
        apply: (draft, value, where) => {
          if (!asBool(value, where)) draft.cacheEnabled = false;
        },
      },
    ],
    reload: 'restart',
    help: 'caching on or off',
  }),
  define<number | undefined>({
    field: top('upstreamMaxSockets'),
    default: undefined,
    flag: false,
    env: [
      sets(
        'PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS',
        'sockets to Secrets Manager (outbound, as in the extension)',
        top('upstreamMaxSockets'),
        int(1, 100_000),
      ),
    ],
    reload: 'restart',
    help: 'outbound sockets to AWS',
  }),
  define({
    field: top('upstreamTimeoutMs'),
    default: 0,
    flag: false,
    env: [
      sets(
        'SECRETS_MANAGER_TIMEOUT_MILLIS',
        'timeout of each call to Secrets Manager (0: none); a timeout answers 504',
        top('upstreamTimeoutMs'),
        int(0, 600_000),
      ),
    ],
    reload: 'restart',
    help: 'timeout of each call to Secrets Manager',
  }),
  define({
    field: top('parameterTimeoutMs'),
    default: 0,
    flag: false,
    env: [
      sets(
        'SSM_PARAMETER_STORE_TIMEOUT_MILLIS',
        'timeout of each call to Parameter Store (0: none)',
        top('parameterTimeoutMs'),
        int(0, 600_000),
      ),
    ],
    reload: 'restart',
    help: 'timeout of each call to Parameter Store',
  }),

  // Latchkey's own `[latchkey]` table.
  define<readonly string[]>({
    key: 'latchkey.bind',
    field: inLatchkey('bind'),
    default: ['127.0.0.1', '::1'],
    parse: (value, where) => asStringList(value, where),
    flag: { value: '<address>', repeatable: true },
    reload: 'restart',
    help: 'TCP addresses to listen on, all on http_port',
    details: '`::1` is skipped with a warning on hosts without IPv6',
  }),
  define<string | undefined>({
    key: 'latchkey.unix_socket',
    field: inLatchkey('unixSocket'),
    default: undefined,
    parse: string,
    flag: '<path>',
    reload: 'restart',
    help: 'also listen on this Unix socket (a stale socket file is replaced)',
  }),
  define({
    key: 'latchkey.unix_socket_mode',
    field: inLatchkey('unixSocketMode'),
    default: 0o660,
    defaultText: '"0660"',
    parse: (value, where) => {
      const mode = asMode(value, where);
      if (mode & WORLD_WRITABLE) {
        fail(
          where,
          `0${mode.toString(8)} makes the socket writable by every local user, who could then read secrets; use 0660 or 0600`,
        );
      }
      return mode;
    },
    flag: '<mode>',
    reload: 'restart',
    help: "the Unix socket's mode, applied as it is created; not writable by others",
  }),
  define({
    key: 'latchkey.allow_non_loopback',
    field: inLatchkey('allowNonLoopback'),
    default: false,
    parse: bool,
    flag: '',
    reload: 'restart',
    help: 'allow a bind address other than loopback (secrets served to the network)',
  }),
  define<string | undefined>({
    key: 'latchkey.endpoint',
    field: inLatchkey('endpoint'),
    default: undefined,
    defaultText: 'AWS',
    parse: (value, where) => {
      const endpoint = asString(value, where);
      try {
        new URL(endpoint);
      } catch {
        fail(where, `must be a URL such as http://127.0.0.1:4566, got ${JSON.stringify(endpoint)}`);
      }
      return endpoint;
    },
    flag: '<url>',
    reload: 'restart',
    help: 'Secrets Manager (and STS and SSM) endpoint, e.g. an emulator',
  }),
  define({
    key: 'latchkey.max_stale_seconds',
    field: inLatchkey('maxStaleSeconds'),
    default: 900,
    parse: int(0, 7 * 86400),
    flag: '<n>',
    reload: 'restart',
    help: 'how long past its TTL a value may be served while AWS fails transiently, 0-604800',
  }),
  define({
    key: 'latchkey.parameter_ttl_seconds',
    field: parameterTtlSeconds,
    default: 300,
    parse: int(0, 3600),
    flag: '<n>',
    env: [
      sets(
        'SSM_PARAMETER_STORE_TTL',
        '`parameter_ttl_seconds` (0–3600; the extension caps it at 300)',
        parameterTtlSeconds,
        int(0, 3600),
      ),
    ],
    reload: 'restart',
    help: 'how long a Parameter Store answer is kept (0: not kept), 0-3600',
  }),
  define({
    key: 'latchkey.refresh_ahead',
    field: inLatchkey('refreshAhead'),
    default: true,
    parse: bool,
    flag: '<bool>',
    reload: 'restart',
    help: 'refresh secrets read late in their TTL in the background',
  }),
  define<'string' | 'number'>({
    key: 'latchkey.created_date',
    field: inLatchkey('createdDate'),
    default: 'string',
    parse: (value, where) => asEnum(value, where, ['string', 'number'] as const),
    flag: '<string|number>',
    reload: 'restart',
    help: 'CreatedDate as a string (the agent) or a number (the API, the Lambda extension)',
  }),
  define<readonly string[]>({
    key: 'latchkey.prefetch',
    field: inLatchkey('prefetch'),
    default: [],
    parse: (value, where) => asStringList(value, where),
    flag: { value: '<id>', repeatable: true },
    reload: 'restart',
    help: 'secret ids loaded at start-up (BatchGetSecretValue); /ready waits for them',
    details:
      'transient failures are retried; permanent ones are counted in `/ready` and logged with their ids',
  }),
  define({
    key: 'latchkey.token_grace_seconds',
    field: inLatchkey('tokenGraceSeconds'),
    default: 300,
    parse: int(0, 86400),
    flag: '<n>',
    reload: 'live',
    help: 'how long a replaced token stays valid, 0-86400',
  }),
  define({
    key: 'latchkey.token_reload_interval_ms',
    field: inLatchkey('tokenReloadIntervalMs'),
    default: 1000,
    parse: int(50, 600_000),
    flag: '<n>',
    reload: 'live',
    help: 'how often token files are checked, 50-600000',
  }),
  define({
    key: 'latchkey.shutdown_timeout_seconds',
    field: inLatchkey('shutdownTimeoutSeconds'),
    default: 10,
    parse: int(0, 600),
    flag: '<n>',
    reload: 'live',
    help: 'how long in-flight requests get on SIGTERM before connections are cut, 0-600',
  }),
  define({
    key: 'latchkey.log_file',
    field: inLatchkey('logFile'),
    default: 'logs/latchkey.log',
    parse: string,
    flag: '<path>',
    reload: 'restart',
    help: 'the log file, with log_to_file = true',
  }),
  define({
    key: 'latchkey.audit',
    field: inLatchkey('audit'),
    default: { enabled: true, path: '-' },
    defaultText: '-',
    parse: parseAuditTable,
    flag: {
      name: 'audit-log',
      value: '<path|-|off>',
      parse: (value) => {
        const path = String(value);
        return path === 'off' ? { enabled: false, path: '-' } : { enabled: true, path };
      },
    },
    reload: 'live',
    help: 'the audit log: a file, - (stdout) or off',
    details: 'in the file, a table: `[latchkey.audit]` with `enabled` and `path`',
  }),
  define({
    key: 'latchkey.clients',
    field: inLatchkey('clients'),
    default: [],
    parse: parseClients,
    flag: false,
    reload: 'live',
    help: 'clients with their own tokens and policies',
    details:
      '`[[latchkey.clients]]`: `name`, one of `token` / `token_file` / `token_env`, one of `policy` / `policy_file` (see above)',
  }),
  define({
    key: 'latchkey.render',
    field: inLatchkey('render'),
    default: [],
    parse: parseRenderTemplates,
    flag: false,
    reload: 'restart',
    help: 'files serve keeps up to date',
    details: '`[[latchkey.render]]`: see `latchkey render`',
  }),
];

export function defaultConfig(): SidecarConfig {
  const draft = { file: undefined, latchkey: {} } as ConfigDraft;
  for (const setting of SETTINGS) setting.applyDefault(draft);
  return draft;
}

/** The keys whose change a reload from `running` to `next` cannot apply: they wait for a restart. */
export function keysWaitingForRestart(running: SidecarConfig, next: SidecarConfig): string[] {
  return SETTINGS.filter(
    (setting) =>
      setting.key !== undefined &&
      setting.reload === 'restart' &&
      !isDeepStrictEqual(setting.read(running), setting.read(next)),
  ).map((setting) => setting.key as string);
}
