import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** PostgreSQL's default `scram_iterations`. */
export const SCRAM_ITERATIONS = 4096;

// RFC 4013 SASLprep, the parts PostgreSQL's pg_saslprep applies: non-ASCII spaces map to U+0020, the
// "commonly mapped to nothing" characters are removed, then NFKC. Prohibited output (controls, private use,
// surrogates, non-characters) makes PostgreSQL use the raw bytes, and so do we.
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g;
const MAPPED_TO_NOTHING = new Set([
  0x00ad,
  0x034f,
  0x1806,
  0x180b,
  0x180c,
  0x180d,
  0x200b,
  0x200c,
  0x200d,
  0x2060,
  0xfeff,
  ...Array.from({ length: 16 }, (_, i) => 0xfe00 + i),
]);
/** Control characters, private use, surrogates and the other RFC 3454 tables SASLprep prohibits. */
function isProhibited(codePoint: number): boolean {
  return (
    codePoint < 0x20 ||
    (codePoint >= 0x7f && codePoint <= 0x9f) ||
    [0x06dd, 0x070f, 0x180e, 0x200e, 0x200f, 0x2028, 0x2029].includes(codePoint) ||
    (codePoint >= 0x202a && codePoint <= 0x202e) ||
    (codePoint >= 0x206a && codePoint <= 0x206f) ||
    (codePoint >= 0xe000 && codePoint <= 0xf8ff) ||
    (codePoint >= 0xfff9 && codePoint <= 0xfffd) ||
    (codePoint >= 0xd800 && codePoint <= 0xdfff) ||
    codePoint >= 0xf0000
  );
}

export function saslPrep(password: string): string {
  if ([...password].every((char) => char.codePointAt(0)! < 0x80)) return password;
  const prepared = password
    .replace(NON_ASCII_SPACE, ' ')
    .split('')
    .filter((char) => !MAPPED_TO_NOTHING.has(char.charCodeAt(0)))
    .join('')
    .normalize('NFKC');
  if (prepared === '' || [...prepared].some((char) => isProhibited(char.codePointAt(0)!))) return password;
  return prepared;
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores (RFC 5802/7677):
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, all base64. Sending this instead of the
 * password means the plaintext never reaches the server, its statement log or pg_stat_statements.
 */
export function scramSha256Verifier(
  password: string,
  options: { salt?: Buffer; iterations?: number } = {},
): string {
  const salt = options.salt ?? randomBytes(16);
  const iterations = options.iterations ?? SCRAM_ITERATIONS;
  const saltedPassword = pbkdf2Sync(Buffer.from(saslPrep(password), 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', saltedPassword).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', saltedPassword).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** The legacy md5 verifier: `md5` + md5(password + username). Used only when `password_encryption` is md5. */
export function md5Verifier(password: string, username: string): string {
  return `md5${createHash('md5')
    .update(password + username, 'utf8')
    .digest('hex')}`;
}

/** The verifier for the server's `password_encryption` setting (`on`/`md5` on old servers mean md5). */
export function passwordVerifier(password: string, username: string, passwordEncryption: string): string {
  const setting = passwordEncryption.trim().toLowerCase();
  return setting === 'md5' || setting === 'on'
    ? md5Verifier(password, username)
    : scramSha256Verifier(password);
}
