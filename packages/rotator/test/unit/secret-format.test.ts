import { describe, expect, it } from 'vitest';
import { testDatabaseSecretCases } from '../../../../test/support/database-secret-cases.js';
import { SecretFormatError } from '../../src/errors.js';
import { randomPasswordRequest } from '../../src/password.js';
import { alternateUserName, userNameLimit } from '../../src/secret/clone-name.js';
import { parseDatabaseSecret, serializeDatabaseSecret } from '../../src/secret/database-secret.js';

describe('database secret format (the table the SDK reads too)', () => {
  testDatabaseSecretCases(
    (stored, entry) =>
      parseDatabaseSecret(stored, {
        family: entry.family,
        secretId: 'arn:s',
        version: 'AWSCURRENT',
        requireEngine: entry.requireEngine,
      }),
    (caught, errorKey) => {
      expect(caught).toBeInstanceOf(SecretFormatError);
      expect((caught as SecretFormatError).key).toBe(errorKey);
      expect((caught as Error).message).toMatch(/^secret arn:s \(AWSCURRENT\): /);
    },
  );

  it('keeps unknown keys when writing a new version', () => {
    const fields = { engine: 'postgres', host: 'db', username: 'app', password: 'pw' };
    const secret = parseDatabaseSecret(
      JSON.stringify({ ...fields, dbInstanceIdentifier: 'db-1', proxy: { x: 1 } }),
      {
        family: 'postgres',
        secretId: 'arn:s',
      },
    );
    expect(JSON.parse(serializeDatabaseSecret(secret, { password: 'new' }))).toEqual({
      ...fields,
      password: 'new',
      dbInstanceIdentifier: 'db-1',
      proxy: { x: 1 },
    });
  });
});

describe('alternating user names', () => {
  it('appends and strips _clone', () => {
    expect(alternateUserName('app', userNameLimit('mysql', {}), 's')).toBe('app_clone');
    expect(alternateUserName('app_clone', userNameLimit('mysql', {}), 's')).toBe('app');
  });

  it('allows 32 characters on MySQL (not 16), 80 on MariaDB, 63 bytes on PostgreSQL', () => {
    expect(alternateUserName('a'.repeat(26), userNameLimit('mysql', {}), 's')).toHaveLength(32);
    expect(() => alternateUserName('a'.repeat(27), userNameLimit('aurora-mysql', {}), 's')).toThrow(
      /exceed 32/,
    );
    expect(alternateUserName('a'.repeat(74), userNameLimit('mariadb', {}), 's')).toHaveLength(80);
    expect(() => alternateUserName('a'.repeat(75), userNameLimit('mariadb', {}), 's')).toThrow(/exceed 80/);
    expect(alternateUserName('a'.repeat(57), userNameLimit('postgres', {}), 's')).toHaveLength(63);
    // 'é' is two bytes in UTF-8: 28 of them plus _clone is 62 bytes; 29 is 64.
    expect(() => alternateUserName('é'.repeat(29), userNameLimit('postgres', {}), 's')).toThrow(/63 bytes/);
    expect(alternateUserName('é'.repeat(28), userNameLimit('postgres', {}), 's')).toBe(
      `${'é'.repeat(28)}_clone`,
    );
    expect(() =>
      alternateUserName('a'.repeat(11), userNameLimit('mysql', { USERNAME_CHARACTER_LIMIT: '16' }), 's'),
    ).toThrow(/exceed 16/);
  });
});

describe('GetRandomPassword knobs', () => {
  it("uses AWS's defaults, with ':' excluded for PostgreSQL", () => {
    expect(randomPasswordRequest('mysql', {})).toEqual({
      PasswordLength: 32,
      ExcludeCharacters: '/@"\'\\',
      ExcludeNumbers: false,
      ExcludePunctuation: false,
      ExcludeUppercase: false,
      ExcludeLowercase: false,
      RequireEachIncludedType: true,
    });
    expect(randomPasswordRequest('postgres', {}).ExcludeCharacters).toBe(':/@"\'\\');
  });

  it('reads the environment as AWS does (true/1/y/yes)', () => {
    const request = randomPasswordRequest('mysql', {
      PASSWORD_LENGTH: '20',
      EXCLUDE_CHARACTERS: '%{}',
      EXCLUDE_NUMBERS: 'YES',
      EXCLUDE_PUNCTUATION: '1',
      EXCLUDE_UPPERCASE: 'y',
      EXCLUDE_LOWERCASE: 'no',
      REQUIRE_EACH_INCLUDED_TYPE: 'false',
    });
    expect(request).toEqual({
      PasswordLength: 20,
      ExcludeCharacters: '%{}',
      ExcludeNumbers: true,
      ExcludePunctuation: true,
      ExcludeUppercase: true,
      ExcludeLowercase: false,
      RequireEachIncludedType: false,
    });
    expect(() => randomPasswordRequest('mysql', { PASSWORD_LENGTH: 'long' })).toThrow(/PASSWORD_LENGTH/);
  });
});
