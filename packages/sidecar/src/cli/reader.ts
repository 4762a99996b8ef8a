/** The cache `latchkey get/run/render` read through: the SDK's SecretsCache over Secrets Manager, configured by
 * `--region` and `--endpoint` (or the AWS SDK's own environment: AWS_REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER). */
import { Registry } from 'prom-client';
import { type ConfigOverride, loadConfig } from '../config/load.js';
import type { SidecarConfig } from '../config/schema.js';
import { createLogger, type Logger } from '../logger.js';
import { awsReaders } from '../upstream/aws.js';
import type { SecretReader } from '../upstream/readers.js';
import { type CommandIO, type Options, type Parsed, stringValue } from './usage.js';

export const READER_OPTIONS: Options = {
  region: { type: 'string' },
  endpoint: { type: 'string' },
  config: { type: 'string', short: 'c' },
  'log-level': { type: 'string' },
};

export const READER_HELP = `      --region <region>       AWS region (default: the AWS SDK's chain)
      --endpoint <url>        Secrets Manager endpoint (e.g. the emulator; default AWS)
  -c, --config <file>         take cache settings (ttl_seconds, region, [latchkey] endpoint, …) from a serve configuration
      --log-level <level>     JSON logs on stderr at this level: debug, info, warn, error or none (default:
                              none, so a failure is one line; LATCHKEY_LOG_LEVEL also sets it)`;

export interface CommandReader {
  readonly reader: SecretReader;
  readonly logger: Logger;
}

/** The configuration these flags select: `--config` (a serve configuration), then `--region`/`--endpoint`. */
export function loadReaderConfig(parsed: Parsed, io: CommandIO): SidecarConfig {
  const file = stringValue(parsed, 'config');
  const overrides: ConfigOverride[] = [];
  for (const key of ['region', 'endpoint']) {
    const value = stringValue(parsed, key);
    if (value !== undefined) overrides.push({ key, value });
  }
  // People read these commands' output: a failure is one line, and JSON logs come only when asked for.
  const level = stringValue(parsed, 'log-level') ?? io.env.LATCHKEY_LOG_LEVEL ?? 'none';
  return loadConfig({ file, env: {}, overrides: [...overrides, { key: 'log_level', value: level }] });
}

/** `--config`: a serve configuration whose cache settings (ttl_seconds, region, endpoint, …) apply too. */
export function openReader(parsed: Parsed, io: CommandIO): CommandReader {
  const config = loadReaderConfig(parsed, io);
  const logger = createLogger({ level: config.logLevel });
  return { reader: awsReaders(config, { registry: new Registry(), logger })(undefined), logger };
}
