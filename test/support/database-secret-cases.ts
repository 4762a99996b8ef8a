/**
 * One table of database secrets and what reading them gives, run by the SDK's tests (`@latchkey/sdk/db`) and by
 * the rotator's (its SecretFormatError adapter), so the two packages cannot drift apart again. It follows the
 * rotator README's "Secret format" section.
 */
import type { EngineFamily, TlsMode } from '@latchkey/sdk/db';
import { expect, it } from 'vitest';

export interface DatabaseSecretCase {
  readonly name: string;
  readonly family: EngineFamily;
  /** The SecretString; an object is stored as its JSON. */
  readonly stored: string | object;
  readonly requireEngine?: boolean;
  /** What the fields read as; or the key the error must name. */
  readonly expected:
    | { readonly port: number; readonly tls: TlsMode; readonly dbname?: string | undefined }
    | { readonly errorKey: string };
}

/** The password every case holds: no error message may contain it. */
export const CASE_PASSWORD = 'Pw!9xQz#case';

const base = { host: 'db.example', username: 'app', password: CASE_PASSWORD };
const pg = { engine: 'postgres', ...base };
const my = { engine: 'mysql', ...base };

export const DATABASE_SECRET_CASES: readonly DatabaseSecretCase[] = [
  // Defaults per engine family.
  {
    name: 'postgres defaults',
    family: 'postgres',
    stored: pg,
    expected: { port: 5432, tls: 'prefer', dbname: 'postgres' },
  },
  {
    name: 'mysql defaults',
    family: 'mysql',
    stored: my,
    expected: { port: 3306, tls: 'prefer', dbname: undefined },
  },
  { name: 'no engine key', family: 'mysql', stored: base, expected: { port: 3306, tls: 'prefer' } },
  {
    name: 'engine required (alternating users)',
    family: 'postgres',
    stored: base,
    requireEngine: true,
    expected: { errorKey: 'engine' },
  },
  {
    name: 'aurora engines',
    family: 'postgres',
    stored: { ...pg, engine: 'aurora-postgresql' },
    expected: { port: 5432, tls: 'prefer' },
  },
  {
    name: 'mariadb',
    family: 'mysql',
    stored: { ...my, engine: 'mariadb', dbname: 'app' },
    expected: { port: 3306, tls: 'prefer', dbname: 'app' },
  },
  { name: 'engine of the other family', family: 'postgres', stored: my, expected: { errorKey: 'engine' } },
  // Port: a number or a string of digits.
  {
    name: 'port as a number',
    family: 'postgres',
    stored: { ...pg, port: 6543 },
    expected: { port: 6543, tls: 'prefer' },
  },
  {
    name: 'port as a string',
    family: 'mysql',
    stored: { ...my, port: ' 3307 ' },
    expected: { port: 3307, tls: 'prefer' },
  },
  {
    name: 'port not a number',
    family: 'postgres',
    stored: { ...pg, port: 'abc' },
    expected: { errorKey: 'port' },
  },
  {
    name: 'port out of range',
    family: 'mysql',
    stored: { ...my, port: 70000 },
    expected: { errorKey: 'port' },
  },
  // ssl: true/"true" required and verified; false/"false" off; absent prefers TLS; TLS words required.
  {
    name: 'ssl true',
    family: 'postgres',
    stored: { ...pg, ssl: true },
    expected: { port: 5432, tls: 'require' },
  },
  {
    name: 'ssl "TRUE"',
    family: 'mysql',
    stored: { ...my, ssl: 'TRUE' },
    expected: { port: 3306, tls: 'require' },
  },
  {
    name: 'ssl false',
    family: 'postgres',
    stored: { ...pg, ssl: false },
    expected: { port: 5432, tls: 'disable' },
  },
  {
    name: 'ssl "false"',
    family: 'mysql',
    stored: { ...my, ssl: 'False' },
    expected: { port: 3306, tls: 'disable' },
  },
  {
    name: 'ssl null is absent',
    family: 'mysql',
    stored: { ...my, ssl: null },
    expected: { port: 3306, tls: 'prefer' },
  },
  {
    name: 'ssl "require"',
    family: 'mysql',
    stored: { ...my, ssl: 'require' },
    expected: { port: 3306, tls: 'require' },
  },
  {
    name: 'ssl "verify-full"',
    family: 'postgres',
    stored: { ...pg, ssl: 'verify-full' },
    expected: { port: 5432, tls: 'require' },
  },
  {
    name: 'ssl "verify-ca"',
    family: 'postgres',
    stored: { ...pg, ssl: 'verify-ca' },
    expected: { port: 5432, tls: 'require' },
  },
  {
    name: 'ssl "prefer" is refused',
    family: 'postgres',
    stored: { ...pg, ssl: 'prefer' },
    expected: { errorKey: 'ssl' },
  },
  {
    name: 'ssl "maybe" is refused',
    family: 'mysql',
    stored: { ...my, ssl: 'maybe' },
    expected: { errorKey: 'ssl' },
  },
  { name: 'ssl 1 is refused', family: 'mysql', stored: { ...my, ssl: 1 }, expected: { errorKey: 'ssl' } },
  // Required keys and types.
  { name: 'no host', family: 'postgres', stored: { ...pg, host: undefined }, expected: { errorKey: 'host' } },
  {
    name: 'empty username',
    family: 'mysql',
    stored: { ...my, username: '' },
    expected: { errorKey: 'username' },
  },
  {
    name: 'password not a string',
    family: 'postgres',
    stored: { ...pg, password: 42 },
    expected: { errorKey: 'password' },
  },
  {
    name: 'dbname not a string',
    family: 'postgres',
    stored: { ...pg, dbname: 7 },
    expected: { errorKey: 'dbname' },
  },
  // Not a JSON object: the error never quotes the text.
  { name: 'not JSON', family: 'mysql', stored: CASE_PASSWORD, expected: { errorKey: 'SecretString' } },
  {
    name: 'a JSON array',
    family: 'postgres',
    stored: `["${CASE_PASSWORD}"]`,
    expected: { errorKey: 'SecretString' },
  },
];

const storedText = (entry: DatabaseSecretCase): string =>
  typeof entry.stored === 'string' ? entry.stored : JSON.stringify(entry.stored);

/**
 * One test per case against a package's reader: a valid secret reads as the case expects; an invalid one throws an
 * error that `checkError` accepts (the package's own error type, the key it names, its message) and that never holds
 * the password.
 */
export function testDatabaseSecretCases(
  read: (stored: string, entry: DatabaseSecretCase) => unknown,
  checkError: (error: unknown, errorKey: string) => void,
): void {
  it.each(DATABASE_SECRET_CASES.map((entry) => [entry.name, entry] as const))('%s', (_name, entry) => {
    const run = () => read(storedText(entry), entry);
    if (!('errorKey' in entry.expected)) {
      expect(run()).toMatchObject(entry.expected);
      return;
    }
    let caught: unknown;
    try {
      run();
    } catch (error) {
      caught = error;
    }
    checkError(caught, entry.expected.errorKey);
    expect((caught as Error).message).not.toContain(CASE_PASSWORD);
  });
}
