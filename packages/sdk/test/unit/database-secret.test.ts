import { DatabaseSecretError, InvalidJsonError } from '@latchkey/sdk';
import { parseDatabaseSecret } from '@latchkey/sdk/db';
import { describe, expect, it } from 'vitest';
import {
  CASE_PASSWORD,
  DATABASE_SECRET_CASES,
  storedText,
} from '../../../../test/support/database-secret-cases.js';

describe('the database secret format (the table the rotator reads too)', () => {
  it.each(DATABASE_SECRET_CASES.map((entry) => [entry.name, entry] as const))('%s', (_name, entry) => {
    const read = () =>
      parseDatabaseSecret(storedText(entry), {
        family: entry.family,
        secretId: 'db/app',
        requireEngine: entry.requireEngine,
      });
    if ('errorKey' in entry.expected) {
      let caught: unknown;
      try {
        read();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DatabaseSecretError);
      expect(caught).toBeInstanceOf(InvalidJsonError);
      expect((caught as DatabaseSecretError).key).toBe(entry.expected.errorKey);
      expect((caught as Error).message).toContain(
        `'${entry.expected.errorKey}'`.replace("'SecretString'", 'SecretString'),
      );
      expect((caught as Error).message).toContain('db/app');
      expect((caught as Error).message).not.toContain(CASE_PASSWORD);
      expect(JSON.stringify(caught)).not.toContain(CASE_PASSWORD);
      expect((caught as Error).cause).toBeUndefined();
    } else {
      expect(read()).toMatchObject(entry.expected);
    }
  });
});
