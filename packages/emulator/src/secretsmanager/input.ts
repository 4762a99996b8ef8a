import { serialization, validation } from '../errors.js';
import { parseJsonText } from '../json-text.js';

type Json = Record<string, unknown>;

interface LengthRule {
  min?: number;
  max?: number;
}

/** AWS names members in lower camel case in its validation messages ("Value at 'secretId' ..."). */
const memberPath = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

function describeType(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'a structure' : `a ${typeof value}`;
}

/**
 * Typed, validated access to one request's members. A member of the wrong JSON type is a
 * SerializationException; a constraint of the API model (required, length, range) a ValidationException.
 * `null` counts as absent, as in AWS's JSON protocols.
 */
export class Input {
  constructor(
    private readonly body: Json,
    private readonly prefix = '',
  ) {}

  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  private raw(name: string): unknown {
    const value = this.body[name];
    return value === null ? undefined : value;
  }

  private path(name: string): string {
    return `${this.prefix}${memberPath(name)}`;
  }

  private typed<T>(name: string, check: (value: unknown) => value is T, expected: string): T | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!check(value)) {
      throw serialization(`Member ${this.prefix}${name} must be ${expected}, got ${describeType(value)}.`);
    }
    return value;
  }

  private checkLength(name: string, value: string | unknown[], rule: LengthRule, unit = 'length'): void {
    const size = typeof value === 'string' ? [...value].length : value.length;
    if (rule.min !== undefined && size < rule.min) {
      throw validation(
        `Value at '${this.path(name)}' failed to satisfy constraint: Member must have ${unit} greater than or equal to ${rule.min}`,
      );
    }
    if (rule.max !== undefined && size > rule.max) {
      throw validation(
        `Value at '${this.path(name)}' failed to satisfy constraint: Member must have ${unit} less than or equal to ${rule.max}`,
      );
    }
  }

  required<T>(name: string, value: T | undefined): T {
    if (value === undefined) {
      throw validation(
        `Value null at '${this.path(name)}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return value;
  }

  string(name: string, rule: LengthRule = {}): string | undefined {
    const value = this.typed(name, (v): v is string => typeof v === 'string', 'a string');
    if (value !== undefined) this.checkLength(name, value, rule);
    return value;
  }

  requiredString(name: string, rule: LengthRule = {}): string {
    return this.required(name, this.string(name, rule));
  }

  boolean(name: string): boolean | undefined {
    return this.typed(name, (v): v is boolean => typeof v === 'boolean', 'a boolean');
  }

  integer(name: string, range: LengthRule = {}): number | undefined {
    const value = this.typed(
      name,
      (v): v is number => typeof v === 'number' && Number.isInteger(v),
      'an integer',
    );
    if (value === undefined) return undefined;
    if (range.min !== undefined && value < range.min) {
      throw validation(
        `Value '${value}' at '${this.path(name)}' failed to satisfy constraint: Member must have value greater than or equal to ${range.min}`,
      );
    }
    if (range.max !== undefined && value > range.max) {
      throw validation(
        `Value '${value}' at '${this.path(name)}' failed to satisfy constraint: Member must have value less than or equal to ${range.max}`,
      );
    }
    return value;
  }

  list(name: string, rule: LengthRule = {}): Input[] | undefined {
    const value = this.typed(name, Array.isArray, 'a list');
    if (value === undefined) return undefined;
    this.checkLength(name, value, rule);
    return value.map((item, index) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        throw serialization(
          `Member ${this.prefix}${name}[${index}] must be a structure, got ${describeType(item)}.`,
        );
      }
      return new Input(item as Json, `${this.path(name)}.${index + 1}.member.`);
    });
  }

  stringList(name: string, rule: LengthRule = {}, itemRule: LengthRule = {}): string[] | undefined {
    const value = this.typed(name, Array.isArray, 'a list');
    if (value === undefined) return undefined;
    this.checkLength(name, value, rule);
    value.forEach((item, index) => {
      if (typeof item !== 'string') {
        throw serialization(
          `Member ${this.prefix}${name}[${index}] must be a string, got ${describeType(item)}.`,
        );
      }
      this.checkLength(name, item, itemRule);
    });
    return value as string[];
  }

  structure(name: string): Input | undefined {
    const value = this.typed(
      name,
      (v): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v),
      'a structure',
    );
    return value === undefined ? undefined : new Input(value, `${this.path(name)}.`);
  }
}

/** Reads a JSON 1.1 request body: empty means no members; anything but a JSON object is refused. */
export function parseJsonBody(body: Buffer): Input {
  if (body.length === 0) return new Input({});
  const parsed = parseJsonText(body.toString('utf8'), () =>
    serialization('The request body is not valid JSON.'),
  );
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw serialization('The request body must be a JSON object.');
  }
  return new Input(parsed as Json);
}
