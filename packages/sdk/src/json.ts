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
 * The JSON held by a string secret. A parse failure is reported without the parser's message, which quotes the
 * input (the secret).
 */
export function parseSecretJson(secretId: string, value: SecretValue): JsonValue {
  const cached = parsed.get(value);
  if (cached !== undefined) return cached;
  if (value.string === undefined) {
    throw new InvalidJsonError(`Secret '${secretId}' holds binary data, not JSON`, { secretId });
  }
  let result: JsonValue;
  try {
    result = deepFreeze(JSON.parse(value.string) as JsonValue);
  } catch {
    throw new InvalidJsonError(`Secret '${secretId}' (version ${value.versionId}) is not valid JSON`, {
      secretId,
    });
  }
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
