import type { SecretsCache } from '../cache/secrets-cache.js';
import { InvalidReferenceError, WrongSecretTypeError } from '../errors.js';
import { secretField } from '../json.js';
import { parseSecretReference, type SecretReference } from './reference.js';

/** The text a reference resolves to (read through anything with SecretsCache's `lookup`): the secret string, or its JSON key (a string as is, any other JSON value
 * serialised). Binary secrets have no text form. */
export async function resolveReference(
  cache: Pick<SecretsCache, 'lookup'>,
  reference: SecretReference,
): Promise<string> {
  const { secretId, jsonKey, versionId, versionStage } = reference;
  const { value } = await cache.lookup(secretId, { versionId, versionStage });
  if (jsonKey !== undefined) {
    const field = secretField(secretId, value, jsonKey);
    return typeof field === 'string' ? field : JSON.stringify(field);
  }
  if (value.string === undefined) {
    throw new WrongSecretTypeError(
      `Secret '${secretId}' holds binary data, which cannot be an environment value`,
      {
        secretId,
      },
    );
  }
  return value.string;
}

export interface LoadEnvOptions {
  /** Where the values go. Default `process.env`. */
  target?: Record<string, string | undefined>;
  /** Replace variables that are already set. Default `true`. */
  overwrite?: boolean;
}

/**
 * Resolves `{ VARIABLE: reference }` to `{ VARIABLE: value }`. Every reference is parsed before anything is
 * fetched, so a bad one fails fast, named along with its variable.
 */
export async function resolveEnv(
  cache: Pick<SecretsCache, 'lookup'>,
  references: Readonly<Record<string, string>>,
): Promise<Record<string, string>> {
  const parsed = Object.entries(references).map(([name, reference]): [string, SecretReference] => {
    try {
      return [name, parseSecretReference(reference)];
    } catch (error) {
      throw new InvalidReferenceError(`${name}: ${(error as Error).message}`, { cause: error });
    }
  });
  const values = await Promise.all(parsed.map(([, reference]) => resolveReference(cache, reference)));
  return Object.fromEntries(parsed.map(([name], i) => [name, values[i] as string]));
}

/** Resolves the references and writes them into `target` (default `process.env`); returns what it resolved. */
export async function loadEnv(
  cache: SecretsCache,
  references: Readonly<Record<string, string>>,
  options: LoadEnvOptions = {},
): Promise<Record<string, string>> {
  const { target = process.env, overwrite = true } = options;
  const values = await resolveEnv(cache, references);
  for (const [name, value] of Object.entries(values)) {
    if (overwrite || target[name] === undefined) target[name] = value;
  }
  return values;
}
