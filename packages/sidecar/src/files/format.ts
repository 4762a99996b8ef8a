/** Turning a secret into file content: the raw value, one JSON key, the whole JSON object, or dotenv lines.
 * Error messages name the secret and the key, never the value. */
import { parseJsonText, type SecretValue } from '@latchkey/sdk';

export class SecretFormatError extends Error {
  readonly code = 'SecretFormatError';
  constructor(message: string) {
    super(message);
    this.name = 'SecretFormatError';
  }
}

export function secretText(value: SecretValue): string {
  if (value.string !== undefined) return value.string;
  return Buffer.from(value.binary ?? new Uint8Array()).toString('utf8');
}

export function secretJson(value: SecretValue): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseJsonText(secretText(value), `secret ${value.name}`);
  } catch (error) {
    throw new SecretFormatError((error as Error).message);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SecretFormatError(`secret ${value.name} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** A variable name `sh` accepts (and so the dotenv package and Compose). */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** What sh or Compose expand inside double quotes, or the three read differently after a backslash. */
const DOUBLE_QUOTE_UNSAFE = /[$`\\"]/;

/**
 * One `NAME='value'` line that `sh` (`set -a; . file`), the `dotenv` package and Docker Compose's `env_file` all read
 * back as `value`. They disagree on every escape, so no escape is written:
 * - single quotes are literal in all three, newlines included; they cannot hold `'` (sh has no escape inside
 *   them, the dotenv package keeps the backslash of `\'`, Compose drops it), nor end in `\` (Compose reads `\'`
 *   as an escaped quote);
 * - a value with `'` goes in double quotes when it has no `$`, backtick, `\` or `"`;
 * - any other value is refused, naming the key and never the value: a file that reads back a different
 *   password is worse than none.
 */
function dotenvLine(where: string, name: string, text: string): string {
  if (!VARIABLE_NAME.test(name)) {
    throw new SecretFormatError(`${where}: '${name}' is not a valid environment variable name for dotenv`);
  }
  if (text.includes('\r')) {
    throw new SecretFormatError(
      `${where}: the value of '${name}' holds a carriage return, which the dotenv package reads as a newline; use the json or json-key format`,
    );
  }
  if (!text.includes("'") && !text.endsWith('\\')) return `${name}='${text}'\n`;
  if (!DOUBLE_QUOTE_UNSAFE.test(text)) return `${name}="${text}"\n`;
  const problem = text.includes("'") ? 'a single quote together with $, `, \\ or "' : 'a trailing backslash';
  throw new SecretFormatError(
    `${where}: the value of '${name}' holds ${problem}, which no dotenv quoting reads back the same in sh, the dotenv package and Docker Compose; use the json or json-key format`,
  );
}

/** dotenv lines; `where` names the secret (or template) in errors. */
export function dotenvLines(where: string, entries: Iterable<[string, string]>): string {
  let out = '';
  for (const [name, text] of entries) out += dotenvLine(where, name, text);
  return out;
}

/** The JSON object's fields as dotenv lines (the variable names are the keys). */
export function dotenvFromJson(value: SecretValue): string {
  return dotenvLines(
    `secret ${value.name}`,
    Object.entries(secretJson(value)).map(([key, field]): [string, string] => [
      key,
      typeof field === 'string' ? field : JSON.stringify(field),
    ]),
  );
}
