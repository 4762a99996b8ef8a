/** Every settable key: the agent's flat keys (same names, ranges and messages) and the scalar keys of the
 * `[latchkey]` table. The TOML loader, the Lambda environment and the command-line flags all set through here. */
import type { LatchkeyConfig, SidecarConfig } from './schema.js';
import { asBool, asEnum, asInt, asMode, asString, asStringList, fail, type Where } from './values.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type ConfigDraft = Mutable<Omit<SidecarConfig, 'latchkey'>> & { latchkey: Mutable<LatchkeyConfig> };

export type Setter = (draft: ConfigDraft, value: unknown, where: Where) => void;

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'none'] as const;

/** The agent's keys, with the agent's own wording for range errors. */
export const agentKeys: Readonly<Record<string, Setter>> = {
  http_port: (d, v, w) => {
    // As the agent's code: 0 (an ephemeral port) passes, 1-1023 do not.
    d.httpPort = asInt(v, w, 0, 65535);
    if (d.httpPort > 0 && d.httpPort < 1024) {
      fail(
        w,
        "The HTTP port specified in the configuration file isn't valid. The HTTP port must be in the range 1024 to 65535.",
      );
    }
  },
  ttl_seconds: (d, v, w) => {
    d.ttlSeconds = asInt(
      v,
      w,
      0,
      3600,
      "The TTL in seconds specified in the configuration file isn't valid. The TTL must be in the range 0 to 3600.",
    );
  },
  cache_size: (d, v, w) => {
    d.cacheSize = asInt(
      v,
      w,
      1,
      1000,
      "The cache size specified in the configuration file isn't valid. The cache size must be in the range 1 to 1000.",
    );
  },
  max_conn: (d, v, w) => {
    d.maxConn = asInt(
      v,
      w,
      1,
      1000,
      "The maximum number of connections specified in the configuration file isn't valid. The maximum number of connections must be in the range 1 to 1000.",
    );
  },
  log_level: (d, v, w) => {
    d.logLevel = asEnum(
      v,
      w,
      LOG_LEVELS,
      "The log level specified in the configuration file isn't valid. The log level must be DEBUG, INFO, WARN, ERROR, or NONE.",
    );
  },
  log_to_file: (d, v, w) => {
    d.logToFile = asBool(v, w);
  },
  path_prefix: (d, v, w) => {
    const prefix = asString(v, w);
    if (!prefix.startsWith('/'))
      fail(w, 'The path prefix specified in the configuration file must begin with /.');
    d.pathPrefix = prefix;
  },
  region: (d, v, w) => {
    d.region = asString(v, w);
  },
  ssrf_headers: (d, v, w) => {
    d.ssrfHeaders = asStringList(v, w, "The list of SSRF headers in the configuration file can't be empty.");
  },
  ssrf_env_variables: (d, v, w) => {
    d.ssrfEnvVariables = asStringList(
      v,
      w,
      "The list of SSRF environment variables in the configuration file can't be empty.",
    );
  },
  ignore_transient_errors: (d, v, w) => {
    d.ignoreTransientErrors = asBool(v, w);
  },
  validate_credentials: (d, v, w) => {
    d.validateCredentials = asBool(v, w);
  },
  credentials_file_path: (d, v, w) => {
    d.credentialsFilePath = asString(v, w);
  },
  max_roles: (d, v, w) => {
    d.maxRoles = asInt(v, w, 1, 100);
  },
};

/** Scalar keys of the `[latchkey]` table (sub-tables `audit`, `clients`, `render` are parsed in toml.ts). */
export const latchkeyKeys: Readonly<Record<string, Setter>> = {
  bind: (d, v, w) => {
    d.latchkey.bind = asStringList(v, w);
  },
  unix_socket: (d, v, w) => {
    d.latchkey.unixSocket = asString(v, w);
  },
  unix_socket_mode: (d, v, w) => {
    d.latchkey.unixSocketMode = asMode(v, w);
  },
  allow_non_loopback: (d, v, w) => {
    d.latchkey.allowNonLoopback = asBool(v, w);
  },
  endpoint: (d, v, w) => {
    const endpoint = asString(v, w);
    try {
      new URL(endpoint);
    } catch {
      fail(w, `must be a URL such as http://127.0.0.1:4566, got ${JSON.stringify(endpoint)}`);
    }
    d.latchkey.endpoint = endpoint;
  },
  max_stale_seconds: (d, v, w) => {
    d.latchkey.maxStaleSeconds = asInt(v, w, 0, 7 * 86400);
  },
  parameter_ttl_seconds: (d, v, w) => {
    d.latchkey.parameterTtlSeconds = asInt(v, w, 0, 3600);
  },
  refresh_ahead: (d, v, w) => {
    d.latchkey.refreshAhead = asBool(v, w);
  },
  created_date: (d, v, w) => {
    d.latchkey.createdDate = asEnum(v, w, ['string', 'number'] as const);
  },
  prefetch: (d, v, w) => {
    d.latchkey.prefetch = asStringList(v, w);
  },
  token_grace_seconds: (d, v, w) => {
    d.latchkey.tokenGraceSeconds = asInt(v, w, 0, 86400);
  },
  token_reload_interval_ms: (d, v, w) => {
    d.latchkey.tokenReloadIntervalMs = asInt(v, w, 50, 600_000);
  },
  shutdown_timeout_seconds: (d, v, w) => {
    d.latchkey.shutdownTimeoutSeconds = asInt(v, w, 0, 600);
  },
  log_file: (d, v, w) => {
    d.latchkey.logFile = asString(v, w);
  },
};
