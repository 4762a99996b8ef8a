/**
 * The database secret format is the SDK's (`@latchkey/sdk/db`): one parser for both packages. Here its
 * validation error becomes the rotator's SecretFormatError, so every rotator error has its `code`.
 */
import {
  type DatabaseSecret,
  DatabaseSecretError,
  type DatabaseSecretOptions,
  parseDatabaseSecret as parseSharedFormat,
} from '@latchkey/sdk/db';
import { SecretFormatError } from '../errors.js';

export {
  type DatabaseSecret,
  ENGINES_BY_FAMILY,
  type EngineFamily,
  familyOfEngine,
  serializeDatabaseSecret,
  type TlsMode,
} from '@latchkey/sdk/db';

/** Parses and validates a secret string; the error names the key that is missing or bad, never a value. */
export function parseDatabaseSecret(
  secretString: string | undefined,
  options: DatabaseSecretOptions,
): DatabaseSecret {
  try {
    return parseSharedFormat(secretString, options);
  } catch (error) {
    if (!(error instanceof DatabaseSecretError)) throw error;
    throw new SecretFormatError(error.message, { secretId: error.secretId, key: error.key });
  }
}
