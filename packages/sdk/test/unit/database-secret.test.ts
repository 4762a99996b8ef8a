import { DatabaseSecretError, InvalidJsonError } from '@latchkey/sdk';
import { parseDatabaseSecret } from '@latchkey/sdk/db';
import { describe, expect } from 'vitest';
import { CASE_PASSWORD, testDatabaseSecretCases } from '../../../../test/support/database-secret-cases.js';

describe('the database secret format (the table the rotator reads too)', () => {
  testDatabaseSecretCases(
    (stored, entry) =>
      parseDatabaseSecret(stored, {
        family: entry.family,
        secretId: 'db/app',
        requireEngine: entry.requireEngine,
      }),
    (caught, errorKey) => {
      expect(caught).toBeInstanceOf(DatabaseSecretError);
      expect(caught).toBeInstanceOf(InvalidJsonError);
      expect((caught as DatabaseSecretError).key).toBe(errorKey);
      expect((caught as Error).message).toContain(`'${errorKey}'`.replace("'SecretString'", 'SecretString'));
      expect((caught as Error).message).toContain('db/app');
      expect(JSON.stringify(caught)).not.toContain(CASE_PASSWORD);
      expect((caught as Error).cause).toBeUndefined();
    },
  );
});
