/**
 * `latchkey run --env NAME=ref -- cmd args`: start cmd with secrets in its environment, forward signals to it and
 * exit with its code. With `--watch`, restart it (SIGTERM, wait, start again) when a referenced secret changes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { parseSecretReference, resolveEnv, type SecretReference } from '@latchkey/sdk';
import type { SecretReader } from '../upstream/readers.js';
import { openReader, READER_HELP, READER_OPTIONS } from './reader.js';
import { type CommandIO, parse, printedHelp, stringValues, UsageError } from './usage.js';

export const RUN_HELP = `Usage: latchkey run [--env NAME=<ref> ...] [--watch] -- <command> [args...]

Start <command> with secrets in its environment. Signals (TERM, INT, HUP, QUIT, USR1, USR2) are
forwarded; latchkey exits with the command's exit code (128 + signal number if it was killed).
<ref> is a name or ARN, <id>#<json-key>, or arn:…:secret:name:json-key:version-stage:version-id.

      --env NAME=<ref>        set NAME to the secret (repeatable)
      --watch                 restart the command when a referenced secret changes
${READER_HELP}
  -h, --help                  this help`;

const FORWARDED: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

interface Bindings {
  /** `{ NAME: ref }`, as the SDK's resolveEnv takes it. */
  readonly env: Record<string, string>;
  readonly refs: readonly SecretReference[];
}

/** `--env NAME=ref` flags; references are checked now, so a bad one fails before the command starts. */
function parseBindings(flags: readonly string[]): Bindings {
  const env: Record<string, string> = {};
  for (const text of flags) {
    const eq = text.indexOf('=');
    const name = text.slice(0, eq);
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new UsageError(
        `latchkey run: --env ${JSON.stringify(text)}: expected NAME=<ref> with a valid variable name`,
      );
    }
    env[name] = text.slice(eq + 1);
  }
  return { env, refs: Object.values(env).map((ref) => parseSecretReference(ref)) };
}

export async function runRun(argv: readonly string[], io: CommandIO): Promise<number> {
  const split = argv.indexOf('--');
  const own = split < 0 ? argv : argv.slice(0, split);
  const command = split < 0 ? [] : argv.slice(split + 1);
  const parsed = parse('run', own, {
    env: { type: 'string', multiple: true },
    watch: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    ...READER_OPTIONS,
  });
  if (printedHelp(parsed, RUN_HELP, io)) return 0;
  if (command.length === 0)
    throw new UsageError("latchkey run: give the command after --. See 'latchkey run --help'.");
  const bindings = parseBindings(stringValues(parsed, 'env'));
  const { reader, logger } = openReader(parsed, io);
  try {
    return await supervise(command, bindings, reader, io, parsed.values.watch === true, (message) =>
      logger.info(message),
    );
  } finally {
    await reader.close();
  }
}

function supervise(
  command: readonly string[],
  bindings: Bindings,
  reader: SecretReader,
  io: CommandIO,
  watch: boolean,
  note: (message: string) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess | undefined;
    let restarting = false;
    const unsubscribe: (() => void)[] = [];
    const forward = (signal: NodeJS.Signals) => child?.kill(signal);
    for (const signal of FORWARDED) process.on(signal, forward);
    const finish = (code: number) => {
      for (const signal of FORWARDED) process.off(signal, forward);
      for (const stop of unsubscribe) stop();
      resolve(code);
    };

    const start = async () => {
      const env = { ...io.env, ...(await resolveEnv(reader, bindings.env)) };
      const current = spawn(command[0] as string, command.slice(1), { env, stdio: 'inherit' });
      child = current;
      current.once('error', (error) => {
        for (const stop of unsubscribe) stop();
        reject(new Error(`latchkey run: could not start ${command[0]}: ${error.message}`));
      });
      current.once('exit', (code, signal) => {
        if (restarting) return;
        finish(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
      });
    };

    const restart = () => {
      const current = child;
      if (current === undefined || restarting) return;
      restarting = true;
      note('a secret changed; restarting the command');
      current.once('exit', () => {
        restarting = false;
        start().catch(reject);
      });
      current.kill('SIGTERM');
    };

    start().then(() => {
      if (!watch) return;
      for (const ref of bindings.refs) {
        unsubscribe.push(
          reader.onChange(ref.secretId, restart, {
            versionStage: ref.versionStage,
            versionId: ref.versionId,
          }),
        );
      }
    }, reject);
  });
}
