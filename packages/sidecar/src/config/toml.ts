/** The TOML configuration file: the agent's flat keys, plus Latchkey's own `[latchkey]` table with its
 * `[latchkey.audit]`, `[[latchkey.clients]]` and `[[latchkey.render]]` sub-tables. Unknown keys are errors. */
import { readFileSync } from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { parsePolicy } from '../auth/policy.js';
import { ConfigError } from './errors.js';
import { agentKeys, type ConfigDraft, latchkeyKeys } from './keys.js';
import type { ClientConfig, RenderFormat, RenderTemplate, TokenSpec } from './schema.js';
import { asBool, asEnum, asMode, asString, asStringList, fail, type Where } from './values.js';

type Table = Record<string, unknown>;

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function tableAt(value: unknown, where: Where): Table {
  if (!isTable(value)) fail(where, 'must be a table');
  return value;
}

function tablesAt(value: unknown, where: Where): Table[] {
  if (!Array.isArray(value)) fail(where, `must be an array of tables ([[${where.key}]])`);
  return value.map((item, index) => tableAt(item, { file: where.file, key: `${where.key}[${index}]` }));
}

function checkKeys(table: Table, allowed: readonly string[], file: string, prefix: string): void {
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

function applyLatchkeyTable(draft: ConfigDraft, table: Table, file: string): void {
  const subTables = ['audit', 'clients', 'render'];
  checkKeys(table, [...Object.keys(latchkeyKeys), ...subTables], file, 'latchkey.');
  for (const [key, value] of Object.entries(table)) {
    const setter = latchkeyKeys[key];
    if (setter) setter(draft, value, { file, key: `latchkey.${key}` });
  }
  if (table.audit !== undefined) {
    const audit = tableAt(table.audit, { file, key: 'latchkey.audit' });
    checkKeys(audit, ['enabled', 'path'], file, 'latchkey.audit.');
    draft.latchkey.audit = {
      enabled:
        audit.enabled === undefined ? true : asBool(audit.enabled, { file, key: 'latchkey.audit.enabled' }),
      path: audit.path === undefined ? '-' : asString(audit.path, { file, key: 'latchkey.audit.path' }),
    };
  }
  if (table.clients !== undefined) {
    draft.latchkey.clients = tablesAt(table.clients, { file, key: 'latchkey.clients' }).map((client, index) =>
      parseClient(client, file, `latchkey.clients[${index}]`),
    );
  }
  if (table.render !== undefined) {
    draft.latchkey.render = tablesAt(table.render, { file, key: 'latchkey.render' }).map((template, index) =>
      parseRenderTemplate(template, file, `latchkey.render[${index}]`),
    );
  }
}

/** Read a TOML file and apply it to `draft`. */
export function applyTomlFile(draft: ConfigDraft, file: string): void {
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
  let document: Table;
  try {
    document = parse(text) as Table;
  } catch (error) {
    if (error instanceof TomlError) {
      throw new ConfigError(file, `line ${error.line}`, `invalid TOML: ${error.message.split('\n')[0]}`);
    }
    throw error;
  }
  for (const [key, value] of Object.entries(document)) {
    if (key === 'latchkey') {
      applyLatchkeyTable(draft, tableAt(value, { file, key }), file);
      continue;
    }
    const setter = agentKeys[key];
    if (!setter) throw new ConfigError(file, key, 'unknown key');
    setter(draft, value, { file, key });
  }
}
