/**
 * `latchkey <command>`: dispatch, help, and errors as one line naming what was wrong. Exit codes, as in
 * `latchkey-rotate` and `latchkey-emulator`: 2 for a usage error (command, flag or argument), 1 for any other.
 */
import { ConfigError } from '../config/errors.js';
import { SIDECAR_VERSION } from '../version.js';
import { runAudit } from './audit.js';
import { runDev } from './dev.js';
import { runGet } from './get.js';
import { runHealth } from './health.js';
import { runRender } from './render.js';
import { runRun } from './run.js';
import { runServe } from './serve.js';
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

const COMMANDS: Record<string, (argv: readonly string[], io: CommandIO) => Promise<number>> = {
  serve: runServe,
  get: runGet,
  run: runRun,
  render: runRender,
  dev: runDev,
  audit: runAudit,
  health: runHealth,
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
  const run = COMMANDS[command];
  if (run === undefined) {
    io.stderr.write(`latchkey: unknown command '${command}'\n\n${MAIN_HELP}\n`);
    return USAGE_EXIT;
  }
  try {
    return await run(rest, io);
  } catch (error) {
    const message =
      error instanceof ConfigError ? `configuration error: ${error.message}` : (error as Error).message;
    io.stderr.write(`latchkey ${command}: ${message.replace(/^latchkey \w+: /, '')}\n`);
    return error instanceof UsageError ? USAGE_EXIT : 1;
  }
}
