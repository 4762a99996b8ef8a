/**
 * `latchkey <command>`: dispatch, help, and errors as one line naming what was wrong. Exit codes, as in
 * `latchkey-rotate` and `latchkey-emulator`: 2 for a usage error (command, flag or argument), 1 for any other.
 */
import { ConfigError } from '../config/errors.js';
import { SIDECAR_VERSION } from '../version.js';
import { type CommandIO, processIO, UsageError } from './usage.js';

const USAGE_EXIT = 2;

export const MAIN_HELP = `Usage: latchkey <command> [options]

Commands:
  serve     serve secrets over localhost HTTP (AWS Secrets Manager Agent compatible)
  get       print one secret
  run       run a command with secrets in its environment
  render    write secrets to files, and keep them current
  dev       a local emulator with demo secrets and the sidecar on it
  audit     report stored secrets that need attention (rotation, usage, deletion, policy, KMS)
  health    check a running sidecar on this host (exit 0 or 1), for exec probes

'latchkey <command> --help' describes each command. 'latchkey --version' prints the version.`;

type Command = (argv: readonly string[], io: CommandIO) => Promise<number>;

/** Each command's module is loaded when it runs: `serve` does without the emulator `dev` starts, the account
 * audit's Secrets Manager client, and the child-process plumbing of `run` (start-up time and resident memory). */
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.js')).runServe,
  get: async () => (await import('./get.js')).runGet,
  run: async () => (await import('./run.js')).runRun,
  render: async () => (await import('./render.js')).runRender,
  dev: async () => (await import('./dev.js')).runDev,
  audit: async () => (await import('./audit.js')).runAudit,
  health: async () => (await import('./health.js')).runHealth,
};

export async function main(argv: readonly string[], io: CommandIO = processIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? io.stderr : io.stdout).write(`${MAIN_HELP}\n`);
    return command === undefined ? USAGE_EXIT : 0;
  }
  if (command === '--version' || command === '-v') {
    io.stdout.write(`${SIDECAR_VERSION}\n`);
    return 0;
  }
  const load = COMMANDS[command];
  if (load === undefined) {
    io.stderr.write(`latchkey: unknown command '${command}'\n\n${MAIN_HELP}\n`);
    return USAGE_EXIT;
  }
  try {
    const run = await load();
    return await run(rest, io);
  } catch (error) {
    io.stderr.write(`latchkey ${command}: ${failureLine(command, error).replace(/^latchkey \w+: /, '')}\n`);
    return error instanceof UsageError ? USAGE_EXIT : 1;
  }
}

/** How to listen elsewhere, per command, for a port in use. */
const PORT_FLAGS: Readonly<Record<string, string>> = {
  serve: 'pass --http-port <port> (or set http_port) to listen on another',
  dev: 'pass --port <port> (the sidecar) or --emulator-port <port> (the emulator) to use another',
};

/** The one line a failed command prints: what went wrong and, for the usual causes, what to do about it. */
function failureLine(command: string, error: unknown): string {
  if (error instanceof ConfigError) return `configuration error: ${error.message}`;
  const message = error instanceof Error ? error.message : String(error);
  // The AWS SDK's own words ("Region is missing", or for AWS_REGION="" "Region not accepted: region=\"\"") do
  // not say how to set one.
  if (/Region is missing|region="" is not a valid/.test(message)) {
    return 'no AWS region is set: set AWS_REGION (or a region in the AWS config file) or pass --region <region>';
  }
  const inUse = /EADDRINUSE\b.*?(\S+):(\d+)\s*$/.exec(message);
  if (inUse) {
    const [, host, port] = inUse;
    return `port ${port} on ${host} is in use: ${PORT_FLAGS[command] ?? 'choose another port'}`;
  }
  return message;
}
