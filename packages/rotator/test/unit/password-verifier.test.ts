import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  md5Verifier,
  passwordVerifier,
  saslPrep,
  scramSha256Verifier,
} from '../../src/engines/postgres/password-verifier.js';

describe('PostgreSQL password verifiers', () => {
  it('builds SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey> that proves the password (RFC 5802 check)', () => {
    const verifier = scramSha256Verifier('pencil', {
      salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
    });
    const match = /^SCRAM-SHA-256\$4096:([^$]+)\$([^:]+):(.+)$/.exec(verifier);
    expect(match).not.toBeNull();
    const [, salt, storedKey, serverKey] = match!;
    expect(salt).toBe('W22ZaJ0SNY7soEsUEjb6gQ==');
    // A server checks a client proof by recovering ClientKey and hashing it to StoredKey; do that here.
    const authMessage = 'n=user,r=nonce,r=nonce2,s=salt,i=4096,c=biws,r=nonce2';
    const salted = pbkdf2Sync('pencil', Buffer.from(salt!, 'base64'), 4096, 32, 'sha256');
    const clientKey = createHmac('sha256', salted).update('Client Key').digest();
    const clientSignature = createHmac('sha256', Buffer.from(storedKey!, 'base64'))
      .update(authMessage)
      .digest();
    const proof = Buffer.from(clientKey.map((byte, i) => byte ^ clientSignature[i]!));
    const recovered = Buffer.from(proof.map((byte, i) => byte ^ clientSignature[i]!));
    expect(createHash('sha256').update(recovered).digest('base64')).toBe(storedKey);
    expect(createHmac('sha256', salted).update('Server Key').digest('base64')).toBe(serverKey);
    expect(verifier).not.toContain('pencil');
  });

  it('uses a fresh salt each time', () => {
    expect(scramSha256Verifier('x')).not.toBe(scramSha256Verifier('x'));
  });

  it('SASLprep: ASCII unchanged, non-ASCII spaces mapped, soft hyphen removed, NFKC applied', () => {
    expect(saslPrep("a b'c\\d%")).toBe("a b'c\\d%");
    expect(saslPrep('a\u00A0b')).toBe('a b');
    expect(saslPrep('a\u00ADb')).toBe('ab');
    expect(saslPrep('\u2168')).toBe('IX');
    expect(saslPrep('pässwörd')).toBe('pässwörd');
  });

  it('uses md5 only when password_encryption asks for it', () => {
    expect(md5Verifier('secret', 'app')).toBe(`md5${createHash('md5').update('secretapp').digest('hex')}`);
    expect(passwordVerifier('secret', 'app', 'md5')).toBe(md5Verifier('secret', 'app'));
    expect(passwordVerifier('secret', 'app', 'scram-sha-256')).toMatch(/^SCRAM-SHA-256\$/);
  });
});
