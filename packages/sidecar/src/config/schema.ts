import type { PolicyDocument } from '../auth/policy.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'none';

/** Where a client's token comes from. A file is watched and re-read when it changes. */
export type TokenSpec =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'env'; readonly name: string };

export interface ClientConfig {
  readonly name: string;
  readonly token: TokenSpec;
  readonly policy: PolicyDocument;
}

export type RenderFormat = 'raw' | 'json-key' | 'json' | 'dotenv';

/** One file `latchkey render` (or `serve`) keeps up to date. */
export interface RenderTemplate {
  readonly path: string;
  readonly format: RenderFormat;
  /** A secret reference (plain id, `id#jsonKey`, or the ECS valueFrom ARN form). Absent only for dotenv with `env`. */
  readonly secret?: string;
  readonly jsonKey?: string;
  /** dotenv only: variable name -> secret reference. */
  readonly env?: Readonly<Record<string, string>>;
  readonly mode: number;
  /** Run after each change (argv form, no shell). */
  readonly command?: readonly string[];
}

export interface AuditConfig {
  readonly enabled: boolean;
  /** `-` means stdout. */
  readonly path: string;
}

/** The Latchkey-only settings, from the `[latchkey]` table. */
export interface LatchkeyConfig {
  readonly bind: readonly string[];
  readonly unixSocket: string | undefined;
  readonly unixSocketMode: number;
  readonly allowNonLoopback: boolean;
  readonly endpoint: string | undefined;
  readonly maxStaleSeconds: number;
  /** How long a Parameter Store answer is kept (`/systemsmanager/parameters/get`); 0: not kept. */
  readonly parameterTtlSeconds: number;
  readonly refreshAhead: boolean;
  readonly createdDate: 'string' | 'number';
  readonly prefetch: readonly string[];
  readonly tokenGraceSeconds: number;
  readonly tokenReloadIntervalMs: number;
  readonly shutdownTimeoutSeconds: number;
  readonly logFile: string;
  readonly audit: AuditConfig;
  readonly clients: readonly ClientConfig[];
  readonly render: readonly RenderTemplate[];
}

/** The effective configuration: the agent's keys (same names, same defaults) plus the `[latchkey]` table. */
export interface SidecarConfig {
  /** The TOML file it came from, if any (for messages and SIGHUP reload). */
  readonly file: string | undefined;
  readonly httpPort: number;
  readonly ttlSeconds: number;
  readonly cacheSize: number;
  readonly maxConn: number;
  readonly logLevel: LogLevel;
  readonly logToFile: boolean;
  readonly pathPrefix: string;
  readonly region: string | undefined;
  readonly ssrfHeaders: readonly string[];
  readonly ssrfEnvVariables: readonly string[];
  readonly ignoreTransientErrors: boolean;
  readonly validateCredentials: boolean;
  readonly credentialsFilePath: string | undefined;
  readonly maxRoles: number;
  /** From PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED / _CACHE_SIZE=0: false means every read goes upstream. */
  readonly cacheEnabled: boolean;
  /** From PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS: outbound sockets to Secrets Manager. */
  readonly upstreamMaxSockets: number | undefined;
  /** From SECRETS_MANAGER_TIMEOUT_MILLIS: 0 means no timeout. */
  readonly upstreamTimeoutMs: number;
  /** From SSM_PARAMETER_STORE_TIMEOUT_MILLIS: 0 means no timeout. */
  readonly parameterTimeoutMs: number;
  readonly latchkey: LatchkeyConfig;
}
