import { createHmac, randomBytes } from 'node:crypto';

/** Marks the stand-in ciphertext as the emulator's, so nobody mistakes it for a KMS blob. */
const HEADER = Buffer.from('latchkey-emulator:ssm:SecureString:v1\0', 'utf8');

/**
 * What a SecureString read without decryption answers in place of KMS ciphertext. The emulator has no KMS, so it
 * keeps the plaintext and answers an HMAC of it under a key that lives only as long as this emulator: opaque
 * (nothing of the value can be read from it, and without the key it cannot be checked against guesses), stable
 * for a given version (as the stored ciphertext of a version is on AWS), and different for every version.
 */
export class SecureStringSealer {
  private readonly key = randomBytes(32);

  seal(parameterArn: string, version: number, value: string): string {
    const mac = createHmac('sha256', this.key)
      .update(`${parameterArn}\0${version}\0`)
      .update(value, 'utf8')
      .digest();
    return Buffer.concat([HEADER, mac]).toString('base64');
  }
}
