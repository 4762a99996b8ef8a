/**
 * `latchkey health`: asks a running sidecar's `/ping` (or `/ready`) over its own loopback listener and exits 0 or 1.
 * For exec probes (Kubernetes, ECS, Docker HEALTHCHECK): those run inside the container, where the loopback-only
 * listener is reachable, while an `httpGet` probe comes from outside the pod and never is.
 */
import { request } from 'node:http';
import { loadConfig } from '../config/load.js';
import type { SidecarConfig } from '../config/schema.js';
import { type CommandIO, parse, printedHelp, stringValue, UsageError } from './usage.js';

export const HEALTH_HELP = `Usage: latchkey health [--ready] [--config <file>] [--http-port <port>]

Check a running sidecar on this host: exit 0 when it answers 200, 1 otherwise (with one line saying why).
It finds the sidecar as 'latchkey serve' would listen: the same configuration file, environment and port flag.

      --ready                 ask /ready (prefetched secrets loaded) instead of /ping (process alive)
  -c, --config <file>         the configuration file 'latchkey serve' was given
      --http-port <port>      the port, when not the configuration's
      --timeout-ms <ms>       give up after this long (default 2000)
  -h, --help                  this help`;

const DEFAULT_TIMEOUT_MS = 2000;

interface Target {
  readonly socketPath?: string;
  readonly host?: string;
  readonly port?: number;
  readonly where: string;
}

/** The first listener `latchkey serve` opens for this configuration. */
function targetOf(config: SidecarConfig): Target {
  const [host] = config.latchkey.bind;
  if (host !== undefined) {
    if (config.httpPort === 0)
      throw new UsageError(
        'latchkey health: the configured port is 0 (any free port); give the one the sidecar printed with --http-port',
      );
    return { host, port: config.httpPort, where: `${host}:${config.httpPort}` };
  }
  const socketPath = config.latchkey.unixSocket as string;
  return { socketPath, where: `unix:${socketPath}` };
}

function positiveInteger(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new UsageError(`latchkey health: ${flag} must be a positive whole number, not "${text}"`);
  return value;
}

/** GETs `path` and resolves with the status and the start of the body, or rejects with why no answer came. */
function probe(target: Target, path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { ...target, path, method: 'GET', timeout: timeoutMs, headers: { connection: 'close' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < 200) body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.slice(0, 200) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export async function runHealth(argv: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parse(
    'health',
    argv,
    {
      ready: { type: 'boolean' },
      config: { type: 'string', short: 'c' },
      'http-port': { type: 'string' },
      'timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (printedHelp(parsed, HEALTH_HELP, io)) return 0;
  const port = stringValue(parsed, 'http-port');
  const config = loadConfig({
    file: stringValue(parsed, 'config'),
    env: io.env,
    overrides: port === undefined ? [] : [{ key: 'http_port', value: port }],
  });
  const timeoutMs = positiveInteger(stringValue(parsed, 'timeout-ms'), '--timeout-ms', DEFAULT_TIMEOUT_MS);
  const target = targetOf(config);
  const path = parsed.values.ready === true ? '/ready' : '/ping';
  try {
    const { status, body } = await probe(target, path, timeoutMs);
    if (status === 200) return 0;
    io.stderr.write(`latchkey health: ${path} on ${target.where} answered ${status}: ${body.trim()}\n`);
  } catch (error) {
    io.stderr.write(`latchkey health: ${path} on ${target.where}: ${(error as Error).message}\n`);
  }
  return 1;
}
