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

function dotenvQuote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
}

export function dotenvLines(entries: Iterable<[string, string]>): string {
  let out = '';
  for (const [name, text] of entries) out += `${name}=${dotenvQuote(text)}\n`;
  return out;
}

/** The JSON object's fields as dotenv lines (the variable names are the keys). */
export function dotenvFromJson(value: SecretValue): string {
  return dotenvLines(
    Object.entries(secretJson(value)).map(([key, field]): [string, string] => [
      key,
      typeof field === 'string' ? field : JSON.stringify(field),
    ]),
  );
}
