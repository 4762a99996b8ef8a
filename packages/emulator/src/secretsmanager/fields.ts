import { invalidParameter, invalidRequest, validation } from '../errors.js';
import type { Input } from './input.js';
import type { StoredValue, Tag } from './model.js';

/** Readers for the members many operations share, with the API model's constraints. */

export const MAX_SECRET_BYTES = 65_536;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export const readSecretId = (input: Input) => input.requiredString('SecretId', { min: 1, max: 2048 });

export const readToken = (input: Input, name = 'ClientRequestToken') =>
  input.string(name, { min: 32, max: 64 });

export const readVersionId = (input: Input, name: string) => input.string(name, { min: 32, max: 64 });

export const readVersionStage = (input: Input, name: string) => input.string(name, { min: 1, max: 256 });

export function readSecretName(input: Input): string {
  const name = input.requiredString('Name', { min: 1, max: 512 });
  if (!SECRET_NAME.test(name)) {
    throw validation(
      `Value '${name}' at 'name' failed to satisfy constraint: Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!`,
    );
  }
  return name;
}

/**
 * SecretString or SecretBinary (base64 on the wire), at most 64 KiB; both at once is refused. Undefined when the
 * request carries neither.
 */
export function readSecretValue(input: Input): StoredValue | undefined {
  const secretString = input.string('SecretString');
  const secretBinary = input.string('SecretBinary');
  if (secretString !== undefined && secretBinary !== undefined) {
    throw invalidParameter(
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
  }
  if (secretString !== undefined) {
    const bytes = Buffer.byteLength(secretString, 'utf8');
    if (bytes > MAX_SECRET_BYTES) {
      throw validation(
        `Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to ${MAX_SECRET_BYTES} (it has ${bytes} bytes)`,
      );
    }
    return { secretString };
  }
  if (secretBinary !== undefined) {
    if (!BASE64.test(secretBinary) || secretBinary.length % 4 !== 0) {
      throw invalidParameter('SecretBinary must be base64-encoded binary data.');
    }
    const bytes = Buffer.from(secretBinary, 'base64').length;
    if (bytes > MAX_SECRET_BYTES) {
      throw validation(
        `Value at 'secretBinary' failed to satisfy constraint: Member must have length less than or equal to ${MAX_SECRET_BYTES} (it has ${bytes} bytes)`,
      );
    }
    return { secretBinary };
  }
  return undefined;
}

export function requireSecretValue(input: Input): StoredValue {
  const value = readSecretValue(input);
  if (!value) throw invalidRequest('You must provide either SecretString or SecretBinary.');
  return value;
}

export const MAX_TAGS = 50;

export function readTags(input: Input): Tag[] | undefined {
  const items = input.list('Tags', { max: MAX_TAGS });
  return items?.map((item) => ({
    Key: item.requiredString('Key', { min: 1, max: 128 }),
    Value: item.string('Value', { min: 0, max: 256 }) ?? '',
  }));
}

/** Adds or replaces tags by key, refusing to exceed AWS's 50 tags per secret. */
export function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  const merged = new Map(existing.map((tag) => [tag.Key, tag.Value]));
  for (const tag of added) merged.set(tag.Key, tag.Value);
  if (merged.size > MAX_TAGS) {
    throw validation(
      `Value at 'tags' failed to satisfy constraint: a secret can have at most ${MAX_TAGS} tags`,
    );
  }
  return [...merged].map(([Key, Value]) => ({ Key, Value }));
}

/** Wire form of a stored value. */
export function valueMembers(value: StoredValue | undefined): Record<string, string> {
  if (!value) return {};
  return 'secretString' in value
    ? { SecretString: value.secretString }
    : { SecretBinary: value.secretBinary };
}

/** JSON 1.1 timestamps are epoch seconds. */
export const epochSeconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

/** AWS records access dates with day precision (midnight UTC). */
export const startOfUtcDay = (ms: number) => ms - (ms % 86_400_000);
