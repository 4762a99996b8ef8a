import { InvalidJsonError } from './errors.js';
import type { SecretValue } from './types/secret.js';

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** Parsed JSON per cached version: parsing happens once per version, and the result is deeply frozen because it
 * is shared by every caller. */
const parsed = new WeakMap<SecretValue, JsonValue>();

/**
 * Parses text that holds (or may hold) a secret value. Every JSON parse of a secret value in Latchkey goes through
 * here: `JSON.parse`'s own message quotes the input (`Unexpected token 'P', "Pw!9xQz#" is not valid JSON`), so the
 * error says only what the text was (`what`, e.g. "secret 'db' (version v1)") and carries no cause.
 */
export function parseJsonText(text: string, what: string, secretId?: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidJsonError(`${what} is not valid JSON`, { secretId });
  }
}

/** The JSON held by a string secret, parsed once per cached version. */
export function parseSecretJson(secretId: string, value: SecretValue): JsonValue {
  const cached = parsed.get(value);
  if (cached !== undefined) return cached;
  if (value.string === undefined) {
    throw new InvalidJsonError(`Secret '${secretId}' holds binary data, not JSON`, { secretId });
  }
  const text = parseJsonText(value.string, `Secret '${secretId}' (version ${value.versionId})`, secretId);
  const result = deepFreeze(text as JsonValue);
  parsed.set(value, result);
  return result;
}

/** A top-level field of a JSON object secret; an error names the field when it is absent. */
export function secretField(secretId: string, value: SecretValue, field: string): JsonValue {
  const json = parseSecretJson(secretId, value);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new InvalidJsonError(`Secret '${secretId}' is not a JSON object, so it has no field '${field}'`, {
      secretId,
    });
  }
  const object = json as { readonly [key: string]: JsonValue };
  if (!Object.hasOwn(object, field)) {
    throw new InvalidJsonError(`Secret '${secretId}' has no field '${field}'`, { secretId });
  }
  return object[field] as JsonValue;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
