/** The effective configuration: defaults, then the TOML file, then the Lambda extension's environment
 * variables, then command-line flags; then the checks that span keys. */
import { isIP } from 'node:net';
import { applyLambdaEnv } from './env.js';
import { ConfigError } from './errors.js';
import { agentKeys, type ConfigDraft, latchkeyKeys } from './keys.js';
import { defaultConfig, type SidecarConfig } from './schema.js';
import { applyTomlFile } from './toml.js';

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

export function isLoopbackAddress(address: string): boolean {
  if (address === 'localhost' || address === '::1') return true;
  if (isIP(address) === 4) return address.startsWith('127.');
  return address.toLowerCase().startsWith('::ffff:127.');
}

export function applyOverride(draft: ConfigDraft, override: ConfigOverride): void {
  const flag = `--${override.key.replaceAll('_', '-')}`;
  const where = { file: FLAGS, key: flag };
  const setter = agentKeys[override.key] ?? latchkeyKeys[override.key];
  if (override.key === 'audit_log') {
    const path = String(override.value);
    draft.latchkey.audit = path === 'off' ? { enabled: false, path: '-' } : { enabled: true, path };
  } else if (setter) {
    setter(draft, override.value, where);
  } else {
    throw new ConfigError(FLAGS, flag, 'unknown option');
  }
}

export function loadConfig(options: LoadOptions = {}): SidecarConfig {
  const draft = defaultConfig() as ConfigDraft;
  if (options.file) {
    draft.file = options.file;
    applyTomlFile(draft, options.file);
  }
  applyLambdaEnv(draft, options.env ?? process.env);
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
