/** The TOML configuration file: reading it, and the `[latchkey.audit]`, `[[latchkey.clients]]` and
 * `[[latchkey.render]]` tables, whose keys are checked here (the other keys are the settings table's). */
import { readFileSync } from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { parsePolicy } from '../auth/policy.js';
import { ConfigError } from './errors.js';
import type { AuditConfig, ClientConfig, RenderFormat, RenderTemplate, TokenSpec } from './schema.js';
import { asBool, asEnum, asMode, asString, asStringList, fail, type Where } from './values.js';

export type Table = Record<string, unknown>;

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export function tableAt(value: unknown, where: Where): Table {
  if (!isTable(value)) fail(where, 'must be a table');
  return value;
}

function tablesAt(value: unknown, where: Where): Table[] {
  if (!Array.isArray(value)) fail(where, `must be an array of tables ([[${where.key}]])`);
  return value.map((item, index) => tableAt(item, { file: where.file, key: `${where.key}[${index}]` }));
}

export function checkKeys(table: Table, allowed: readonly string[], file: string, prefix: string): void {
  for (const key of Object.keys(table)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(file, `${prefix}${key}`, `unknown key (expected one of: ${allowed.join(', ')})`);
    }
  }
}

/** `file://path` names a file; anything else is the token itself. */
export function tokenSpecFrom(value: string): TokenSpec {
  return value.startsWith('file://')
    ? { kind: 'file', path: value.slice('file://'.length) }
    : { kind: 'literal', value };
}

function parseClient(table: Table, file: string, key: string): ClientConfig {
  checkKeys(table, ['name', 'token', 'token_file', 'token_env', 'policy', 'policy_file'], file, `${key}.`);
  const name = asString(table.name, { file, key: `${key}.name` });
  const tokenKeys = ['token', 'token_file', 'token_env'].filter((k) => table[k] !== undefined);
  if (tokenKeys.length !== 1) {
    throw new ConfigError(file, `${key}.token`, 'set exactly one of token, token_file, token_env');
  }
  const token: TokenSpec =
    table.token !== undefined
      ? tokenSpecFrom(asString(table.token, { file, key: `${key}.token` }))
      : table.token_file !== undefined
        ? { kind: 'file', path: asString(table.token_file, { file, key: `${key}.token_file` }) }
        : { kind: 'env', name: asString(table.token_env, { file, key: `${key}.token_env` }) };
  if ((table.policy === undefined) === (table.policy_file === undefined)) {
    throw new ConfigError(file, `${key}.policy`, 'set exactly one of policy, policy_file');
  }
  let policy: unknown = table.policy;
  let policyFile = file;
  let policyKey = `${key}.policy`;
  if (table.policy_file !== undefined) {
    policyFile = asString(table.policy_file, { file, key: `${key}.policy_file` });
    policyKey = 'policy';
    try {
      policy = readFileSync(policyFile, 'utf8');
    } catch (error) {
      throw new ConfigError(
        file,
        `${key}.policy_file`,
        `cannot read ${policyFile}: ${(error as Error).message}`,
      );
    }
  }
  return { name, token, policy: parsePolicy(policy, policyFile, policyKey) };
}

const RENDER_FORMATS: readonly RenderFormat[] = ['raw', 'json-key', 'json', 'dotenv'];

export function parseRenderTemplate(table: Table, file: string, key: string): RenderTemplate {
  checkKeys(table, ['path', 'secret', 'format', 'json_key', 'env', 'mode', 'command'], file, `${key}.`);
  const path = asString(table.path, { file, key: `${key}.path` });
  const format = asEnum(table.format ?? 'raw', { file, key: `${key}.format` }, RENDER_FORMATS);
  const secret =
    table.secret === undefined ? undefined : asString(table.secret, { file, key: `${key}.secret` });
  const jsonKey =
    table.json_key === undefined ? undefined : asString(table.json_key, { file, key: `${key}.json_key` });
  let env: Record<string, string> | undefined;
  if (table.env !== undefined) {
    if (format !== 'dotenv') throw new ConfigError(file, `${key}.env`, 'only the dotenv format takes env');
    const envTable = tableAt(table.env, { file, key: `${key}.env` });
    env = {};
    for (const [name, ref] of Object.entries(envTable)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
        throw new ConfigError(file, `${key}.env.${name}`, 'is not a valid variable name');
      env[name] = asString(ref, { file, key: `${key}.env.${name}` });
    }
  }
  if (secret === undefined && env === undefined) {
    throw new ConfigError(file, `${key}.secret`, format === 'dotenv' ? 'set secret or env' : 'is required');
  }
  if (
    format === 'json-key' &&
    jsonKey === undefined &&
    !secret?.includes('#') &&
    !secret?.startsWith('arn:')
  ) {
    throw new ConfigError(
      file,
      `${key}.json_key`,
      'the json-key format needs json_key (or a reference of the form id#key)',
    );
  }
  const mode = asMode(table.mode ?? 0o400, { file, key: `${key}.mode` }, [0o400, 0o600]);
  let command: string[] | undefined;
  if (table.command !== undefined) {
    command =
      typeof table.command === 'string'
        ? ['/bin/sh', '-c', table.command]
        : asStringList(table.command, { file, key: `${key}.command` }, 'must not be empty');
  }
  return { path, format, secret, jsonKey, env, mode, command };
}

export function parseAuditTable(value: unknown, where: Where): AuditConfig {
  const { file, key } = where;
  const audit = tableAt(value, where);
  checkKeys(audit, ['enabled', 'path'], file, `${key}.`);
  return {
    enabled: audit.enabled === undefined ? true : asBool(audit.enabled, { file, key: `${key}.enabled` }),
    path: audit.path === undefined ? '-' : asString(audit.path, { file, key: `${key}.path` }),
  };
}

export function parseClients(value: unknown, where: Where): ClientConfig[] {
  return tablesAt(value, where).map((client, index) =>
    parseClient(client, where.file, `${where.key}[${index}]`),
  );
}

export function parseRenderTemplates(value: unknown, where: Where): RenderTemplate[] {
  return tablesAt(value, where).map((template, index) =>
    parseRenderTemplate(template, where.file, `${where.key}[${index}]`),
  );
}

/** Read and parse a TOML file. */
export function readTomlFile(file: string): Table {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      file,
      '(file)',
      `cannot read the configuration file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  try {
    return parse(text) as Table;
  } catch (error) {
    if (error instanceof TomlError) {
      throw new ConfigError(file, `line ${error.line}`, `invalid TOML: ${error.message.split('\n')[0]}`);
    }
    throw error;
  }
}
