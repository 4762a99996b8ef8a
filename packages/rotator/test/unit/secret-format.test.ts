import { describe, expect, it } from 'vitest';
import { SecretFormatError } from '../../src/errors.js';
import { randomPasswordRequest } from '../../src/password.js';
import { alternateUserName, userNameLimit } from '../../src/secret/clone-name.js';
import { parseDatabaseSecret, serializeDatabaseSecret } from '../../src/secret/database-secret.js';

const base = { engine: 'postgres', host: 'db.example', username: 'app', password: 'pw' };
const parse = (fields: object, requireEngine = false) =>
  parseDatabaseSecret(JSON.stringify(fields), { family: 'postgres', source: 'arn:s', requireEngine });

describe('database secret format', () => {
  it('accepts a port as a number or a string, defaults it per family, and keeps unknown keys', () => {
    expect(parse({ ...base, port: 6543 }).port).toBe(6543);
    expect(parse({ ...base, port: '6543' }).port).toBe(6543);
    expect(parse(base).port).toBe(5432);
    const secret = parse({ ...base, dbInstanceIdentifier: 'db-1', proxy: { x: 1 } });
    expect(JSON.parse(serializeDatabaseSecret(secret, { password: 'new' }))).toEqual({
      ...base,
      password: 'new',
      dbInstanceIdentifier: 'db-1',
      proxy: { x: 1 },
    });
  });

  it.each([
    [{ ...base, host: undefined }, 'host'],
    [{ ...base, username: '' }, 'username'],
    [{ ...base, password: 42 }, 'password'],
    [{ ...base, port: 'abc' }, 'port'],
    [{ ...base, engine: 'mysql' }, 'engine'],
  ])('names the bad key (%#)', (fields, key) => {
    const error = (() => {
      try {
        parse(fields);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(SecretFormatError);
    expect((error as SecretFormatError).key).toBe(key);
    expect((error as Error).message).toContain(key);
    expect((error as Error).message).not.toContain('pw');
  });

  it('requires engine only where asked (alternating users)', () => {
    expect(() => parse({ ...base, engine: undefined }, true)).toThrow(/missing key 'engine'/);
    expect(parse({ ...base, engine: undefined }).engine).toBeUndefined();
  });

  it('reads ssl as AWS does: booleans and "true"/"false" strings decide, anything else prefers TLS', () => {
    expect(parse({ ...base, ssl: true }).tls).toBe('require');
    expect(parse({ ...base, ssl: 'TRUE' }).tls).toBe('require');
    expect(parse({ ...base, ssl: false }).tls).toBe('disable');
    expect(parse({ ...base, ssl: 'false' }).tls).toBe('disable');
    expect(parse(base).tls).toBe('prefer');
    expect(parse({ ...base, ssl: 'maybe' }).tls).toBe('prefer');
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
