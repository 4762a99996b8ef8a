/** `latchkey serve`: the agent-compatible sidecar. Flags override the configuration file (`--config`). */
import { type ConfigOverride, loadConfig } from '../config/load.js';
import { flagHelpLines } from '../config/reference.js';
import type { SidecarConfig } from '../config/schema.js';
import { SETTINGS } from '../config/settings.js';
import { Sidecar } from '../sidecar.js';
import { waitForSignals } from '../signals.js';
import { awsParameters, awsReaders } from '../upstream/aws.js';
import { checkCredentials } from '../upstream/credentials.js';
import { SIDECAR_VERSION } from '../version.js';
import { type CommandIO, type Options, parse, stringValue } from './usage.js';

export const SERVE_HELP = `Usage: latchkey serve [--config <file>] [options]

Serve secrets over localhost HTTP, compatible with the AWS Secrets Manager Agent.
Options override the configuration file; the Lambda extension's environment variables
(PARAMETERS_SECRETS_EXTENSION_*, SECRETS_MANAGER_TTL, SSM_PARAMETER_STORE_TTL) override the file too.

  -c, --config <file>                 TOML configuration (agent keys and a [latchkey] table)
${flagHelpLines().join('\n')}
  -h, --help                          this help

Signals: SIGTERM/SIGINT stop gracefully (exit 0); SIGHUP reloads the configuration file and tokens
(settings that need a restart are logged as such; the README says which).`;

function serveOptions(): Options {
  const options: Options = {
    config: { type: 'string', short: 'c' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const setting of SETTINGS) {
    if (setting.flag === undefined) continue;
    options[setting.flag] =
      setting.flagValue === '' ? { type: 'boolean' } : { type: 'string', multiple: setting.repeatable };
  }
  return options;
}

export interface ServeInvocation {
  readonly file: string | undefined;
  readonly overrides: ConfigOverride[];
  readonly help: boolean;
}

export function parseServeArgs(argv: readonly string[]): ServeInvocation {
  const parsed = parse('serve', argv, serveOptions(), false);
  const overrides: ConfigOverride[] = [];
  for (const [flag, value] of Object.entries(parsed.values)) {
    if (flag === 'config' || flag === 'help' || value === undefined) continue;
    const key = flag.replaceAll('-', '_');
    overrides.push({ key, value: Array.isArray(value) ? value.join(',') : value });
  }
  return { file: stringValue(parsed, 'config'), overrides, help: parsed.values.help === true };
}

/** Start the sidecar; resolves with the exit code once it has stopped. */
export async function runServe(argv: readonly string[], io: CommandIO): Promise<number> {
  const invocation = parseServeArgs(argv);
  if (invocation.help) {
    io.stdout.write(`${SERVE_HELP}\n`);
    return 0;
  }
  const load = (): SidecarConfig =>
    loadConfig({ file: invocation.file, env: io.env, overrides: invocation.overrides });
  const config = load();
  const credentialError = await checkCredentials(config);
  if (credentialError) throw credentialError;
  const sidecar = await Sidecar.start({
    config,
    env: io.env,
    readers: awsReaders,
    parameters: awsParameters,
  });
  // The renderer's file plumbing loads only for a configuration with templates.
  const renderer =
    config.latchkey.render.length > 0
      ? (await import('./render.js')).startTemplateRenderer(
          config.latchkey.render,
          sidecar.reader,
          sidecar.logger,
        )
      : undefined;
  // The agent's start-up line first (scripts wait for it), then any other listener.
  sidecar.addresses.forEach((address, index) => {
    const host = address.kind === 'tcp' && address.host.includes(':') ? `[${address.host}]` : undefined;
    const where =
      address.kind === 'unix' ? `unix:${address.path}` : `http://${host ?? address.host}:${address.port}`;
    io.stdout.write(
      `Latchkey/${SIDECAR_VERSION} ${index === 0 ? 'listening' : 'also listening'} on ${where}\n`,
    );
  });
  return waitForSignals(sidecar, load, async () => renderer?.close());
}
