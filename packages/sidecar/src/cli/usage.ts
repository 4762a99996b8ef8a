/** Command-line parsing on node:util parseArgs, with errors that name the flag and the reason. */
import { type ParseArgsConfig, parseArgs } from 'node:util';

export class UsageError extends Error {
  readonly code = 'UsageError';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  readonly positionals: string[];
}

export function parse(
  command: string,
  argv: readonly string[],
  options: Options,
  allowPositionals = true,
): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals, strict: true });
    return { values, positionals };
  } catch (error) {
    // parseArgs words its errors well ("Unknown option '--x'"); add which command and where to look.
    throw new UsageError(
      `latchkey ${command}: ${(error as Error).message.replace(/\. To specify.*$/s, '')}. See 'latchkey ${command} --help'.`,
    );
  }
}

/** For `--help`: prints the command's usage and returns true, so the command can return 0 at once. */
export function printedHelp(parsed: Parsed, usage: string, io: CommandIO): boolean {
  if (parsed.values.help !== true) return false;
  io.stdout.write(`${usage}\n`);
  return true;
}

export function stringValue(parsed: Parsed, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function stringValues(parsed: Parsed, name: string): string[] {
  const value = parsed.values[name];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** The IO a command uses: real streams in the CLI, captured ones in tests. */
export interface CommandIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

export const processIO: CommandIO = { stdout: process.stdout, stderr: process.stderr, env: process.env };
