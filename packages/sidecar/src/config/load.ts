/** The effective configuration: defaults, then the TOML file, then the Lambda extension's environment
 * variables, then command-line flags; then the checks that span keys. */
import { isIP } from 'node:net';
import { ConfigError } from './errors.js';
import type { SidecarConfig } from './schema.js';
import { type ConfigDraft, defaultConfig, SETTINGS, type Setting } from './settings.js';
import { checkKeys, readTomlFile, type Table, tableAt } from './toml.js';

/** A flag from the command line: `--http-port 8080` is `{ key: 'http_port', value: '8080' }`. */
export interface ConfigOverride {
  readonly key: string;
  readonly value: unknown;
}

export interface LoadOptions {
  readonly file?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly overrides?: readonly ConfigOverride[];
}

const FLAGS = 'command line';
const ENVIRONMENT = 'environment';
const LATCHKEY = 'latchkey.';

const topLevel = new Map<string, Setting>();
const latchkeyTable = new Map<string, Setting>();
const flags = new Map<string, Setting>();
for (const setting of SETTINGS) {
  if (setting.key?.startsWith(LATCHKEY)) latchkeyTable.set(setting.key.slice(LATCHKEY.length), setting);
  else if (setting.key !== undefined) topLevel.set(setting.key, setting);
  if (setting.flag !== undefined) flags.set(setting.flag.replaceAll('-', '_'), setting);
}

function applyFile(draft: ConfigDraft, file: string): void {
  for (const [key, value] of Object.entries(readTomlFile(file))) {
    if (key === 'latchkey') {
      applyLatchkeyTable(draft, tableAt(value, { file, key }), file);
      continue;
    }
    const setting = topLevel.get(key);
    if (!setting) throw new ConfigError(file, key, 'unknown key');
    setting.apply(draft, value, { file, key }, 'file');
  }
}

function applyLatchkeyTable(draft: ConfigDraft, table: Table, file: string): void {
  checkKeys(table, [...latchkeyTable.keys()], file, LATCHKEY);
  for (const [key, value] of Object.entries(table)) {
    latchkeyTable.get(key)?.apply(draft, value, { file, key: `${LATCHKEY}${key}` }, 'file');
  }
}

/** The Lambda extension's variables; an empty one counts as unset. */
function applyEnvironment(draft: ConfigDraft, env: NodeJS.ProcessEnv): void {
  for (const setting of SETTINGS) {
    for (const variable of setting.env) {
      const value = env[variable.name];
      if (value !== undefined && value !== '')
        variable.apply(draft, value, { file: ENVIRONMENT, key: variable.name });
    }
  }
}

export function isLoopbackAddress(address: string): boolean {
  if (address === 'localhost' || address === '::1') return true;
  if (isIP(address) === 4) return address.startsWith('127.');
  return address.toLowerCase().startsWith('::ffff:127.');
}

function applyOverride(draft: ConfigDraft, override: ConfigOverride): void {
  const flag = `--${override.key.replaceAll('_', '-')}`;
  const setting = flags.get(override.key);
  if (setting === undefined) throw new ConfigError(FLAGS, flag, 'unknown option');
  setting.apply(draft, override.value, { file: FLAGS, key: flag }, 'flag');
}

export function loadConfig(options: LoadOptions = {}): SidecarConfig {
  const draft = defaultConfig() as ConfigDraft;
  if (options.file) {
    draft.file = options.file;
    applyFile(draft, options.file);
  }
  applyEnvironment(draft, options.env ?? process.env);
  for (const override of options.overrides ?? []) applyOverride(draft, override);
  validate(draft);
  return draft;
}

function validate(config: ConfigDraft): void {
  const file = config.file ?? FLAGS;
  for (const address of config.latchkey.bind) {
    if (address !== 'localhost' && isIP(address) === 0) {
      throw new ConfigError(file, 'latchkey.bind', `"${address}" is not an IP address`);
    }
    if (!isLoopbackAddress(address) && !config.latchkey.allowNonLoopback) {
      throw new ConfigError(
        file,
        'latchkey.bind',
        `"${address}" is not a loopback address; secrets would be served to the network. Set latchkey.allow_non_loopback = true (or --allow-non-loopback) to allow it`,
      );
    }
  }
  if (config.latchkey.bind.length === 0 && config.latchkey.unixSocket === undefined) {
    throw new ConfigError(file, 'latchkey.bind', 'no listener: give at least one address or a unix_socket');
  }
  const names = new Set<string>();
  for (const [index, client] of config.latchkey.clients.entries()) {
    if (names.has(client.name)) {
      throw new ConfigError(
        file,
        `latchkey.clients[${index}].name`,
        `duplicate client name "${client.name}"`,
      );
    }
    names.add(client.name);
  }
}
