/** `latchkey serve`: the agent-compatible sidecar. Flags override the configuration file (`--config`). */
import { agentKeys, latchkeyKeys } from '../config/keys.js';
import { type ConfigOverride, loadConfig } from '../config/load.js';
import type { SidecarConfig } from '../config/schema.js';
import { Sidecar } from '../sidecar.js';
import { awsParameters, awsReaders, checkCredentials } from '../upstream/aws.js';
import { SIDECAR_VERSION } from '../version.js';
import { startTemplateRenderer } from './render.js';
import { type CommandIO, type Options, parse, stringValue } from './usage.js';

export const SERVE_HELP = `Usage: latchkey serve [--config <file>] [options]

Serve secrets over localhost HTTP, compatible with the AWS Secrets Manager Agent.
Options override the configuration file; the Lambda extension's environment variables
(PARAMETERS_SECRETS_EXTENSION_*, SECRETS_MANAGER_TTL, SSM_PARAMETER_STORE_TTL) override the file too.

  -c, --config <file>               TOML configuration (agent keys and a [latchkey] table)
      --http-port <port>            port for every TCP address (default 2773; 0 = any free port)
      --bind <address>              listen address, repeatable (default 127.0.0.1 and ::1)
      --allow-non-loopback          allow a --bind address other than loopback
      --unix-socket <path>          also listen on a Unix socket
      --unix-socket-mode <mode>     its mode, e.g. 0660 (default)
      --ttl-seconds <n>             cache TTL, 0-3600 (default 300)
      --cache-size <n>              entries, 1-1000 (default 1000)
      --max-conn <n>                open connections before 429, 1-1000 (default 800)
      --max-stale-seconds <n>       serve a cached value this long past its TTL while AWS fails (default 900)
      --parameter-ttl-seconds <n>   Parameter Store answers kept, 0-3600 (default 300)
      --refresh-ahead <bool>        refresh hot secrets before they expire (default true)
      --log-level <level>           debug, info, warn, error or none (default info)
      --log-to-file <bool>          log to --log-file instead of stderr (default false)
      --log-file <path>             default logs/latchkey.log
      --path-prefix <prefix>        path form prefix (default /v1/)
      --region <region>             AWS region (default: the SDK's chain)
      --endpoint <url>              Secrets Manager (and STS and SSM) endpoint, e.g. an emulator
      --ssrf-headers <a,b>          token headers (default X-Aws-Parameters-Secrets-Token,X-Vault-Token)
      --ssrf-env-variables <a,b>    token variables (default AWS_TOKEN,AWS_SESSION_TOKEN,AWS_CONTAINER_AUTHORIZATION_TOKEN)
      --ignore-transient-errors <bool>  serve cached values while AWS fails transiently (default true)
      --validate-credentials <bool> check the credentials with STS at start-up (default true)
      --credentials-file-path <path> an AWS credentials file ([default] profile)
      --max-roles <n>               cached roles for roleArn requests (default 20; least recently used evicted)
      --created-date <string|number> CreatedDate format (default string, as the agent)
      --prefetch <id>               load at start-up, repeatable; /ready waits for it
      --audit-log <path|-|off>      audit log destination (default - = stdout)
      --token-grace-seconds <n>     an old token stays valid this long after a change (default 300)
      --token-reload-interval-ms <n> how often token files are checked (default 1000)
      --shutdown-timeout-seconds <n> graceful shutdown limit (default 10)
  -h, --help                        this help

Signals: SIGTERM/SIGINT stop gracefully (exit 0); SIGHUP reloads the configuration file and tokens.`;

const LIST_KEYS = new Set(['bind', 'prefetch']);
const BOOLEAN_FLAGS = new Set(['allow_non_loopback']);

function serveOptions(): Options {
  const options: Options = {
    config: { type: 'string', short: 'c' },
    help: { type: 'boolean', short: 'h' },
    'audit-log': { type: 'string' },
  };
  for (const key of [...Object.keys(agentKeys), ...Object.keys(latchkeyKeys)]) {
    options[key.replaceAll('_', '-')] = BOOLEAN_FLAGS.has(key)
      ? { type: 'boolean' }
      : { type: 'string', multiple: LIST_KEYS.has(key) };
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
  const renderer =
    config.latchkey.render.length > 0
      ? startTemplateRenderer(config.latchkey.render, sidecar.reader, sidecar.logger)
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

/** SIGTERM/SIGINT: graceful stop, exit 0 (a second signal exits at once). SIGHUP: reload the configuration `reload`
 * returns, or without it the tokens only. */
export function waitForSignals(
  sidecar: Sidecar,
  reload?: () => SidecarConfig,
  beforeClose?: () => Promise<unknown>,
): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.exit(1);
      }
      stopping = true;
      sidecar.logger.info({ signal }, 'shutting down');
      process.off('SIGHUP', hup);
      void (beforeClose?.() ?? Promise.resolve())
        .then(() => sidecar.close())
        .then(
          () => resolve(0),
          (error: unknown) => {
            sidecar.logger.error({ err: error }, 'shutdown failed');
            resolve(1);
          },
        );
    };
    const hup = () => {
      try {
        sidecar.reload(reload?.());
      } catch (error) {
        sidecar.logger.error({ err: error }, 'reload failed; keeping the running configuration');
      }
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    process.on('SIGHUP', hup);
  });
}
