/** Coercion of one configuration value, shared by the TOML file, the environment and the command line. Numbers
 * may arrive as integers or as strings (the agent accepts both); booleans as booleans or true/false/1/0. */
import { ConfigError } from './errors.js';

export interface Where {
  readonly file: string;
  readonly key: string;
}

export function fail(where: Where, reason: string): never {
  throw new ConfigError(where.file, where.key, reason);
}

export function asInt(value: unknown, where: Where, min: number, max: number, rangeReason?: string): number {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (!Number.isInteger(number)) fail(where, `must be an integer, got ${JSON.stringify(value)}`);
  if (number < min || number > max)
    fail(where, rangeReason ?? `must be in the range ${min} to ${max}, got ${number}`);
  return number;
}

export function asBool(value: unknown, where: Where): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true' || lower === '1') return true;
    if (lower === 'false' || lower === '0') return false;
  }
  return fail(where, `must be true or false, got ${JSON.stringify(value)}`);
}

export function asString(value: unknown, where: Where): string {
  if (typeof value !== 'string' || value === '') fail(where, 'must be a non-empty string');
  return value;
}

/** A list of strings; from the environment or a flag, a comma-separated string. */
export function asStringList(value: unknown, where: Where, emptyReason?: string): string[] {
  const list =
    typeof value === 'string'
      ? value
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean)
      : value;
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string' && item !== '')) {
    fail(where, 'must be a list of non-empty strings');
  }
  if (list.length === 0 && emptyReason) fail(where, emptyReason);
  return list as string[];
}

export function asEnum<T extends string>(
  value: unknown,
  where: Where,
  allowed: readonly T[],
  reason?: string,
): T {
  const text = typeof value === 'string' ? value.toLowerCase() : undefined;
  if (text === undefined || !allowed.includes(text as T)) {
    fail(where, reason ?? `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return text as T;
}

/** A file mode: an integer (TOML `0o600`) or an octal string (`"0600"`). */
export function asMode(value: unknown, where: Where, allowed?: readonly number[]): number {
  const mode =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^0?o?[0-7]{3,4}$/.test(value)
        ? Number.parseInt(value.replace(/^0?o?/, ''), 8)
        : Number.NaN;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777)
    fail(where, `must be an octal file mode such as "0600", got ${JSON.stringify(value)}`);
  if (allowed && !allowed.includes(mode)) {
    fail(where, `must be one of ${allowed.map((item) => `0${item.toString(8)}`).join(', ')}`);
  }
  return mode;
}
