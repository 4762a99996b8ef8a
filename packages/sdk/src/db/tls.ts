import type { TlsMode } from './database-secret.js';

const TLS_ERROR_CODES = new Set([
  'HANDSHAKE_NO_SSL_SUPPORT',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** What is logged when a secret without an `ssl` key connected in plain text. */
export const PLAIN_FALLBACK_WARNING =
  'TLS could not be set up and the secret has no ssl key: fell back to a plain connection (set "ssl": true to require TLS)';

/** The TLS options both drivers take for "TLS, certificate and host name verified". */
export const VERIFIED_TLS = { rejectUnauthorized: true } as const;

/**
 * True when a connect failed because TLS could not be set up (the server has no TLS, or its certificate did not
 * verify), as opposed to a wrong password or an unreachable host, which a plain retry would not fix.
 */
export function isTlsSetupError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (TLS_ERROR_CODES.has(code) || code.startsWith('ERR_TLS'))) return true;
  return /does not support SSL|SSL connection|certificate|secure connection/i.test(error.message);
}

/**
 * Connects honouring the secret's `ssl` key: `require` never falls back; `disable` never tries TLS; `prefer`
 * tries TLS and, only when TLS itself could not be set up, connects in plain text after telling `onFallback`
 * (which logs it: a downgrade is never silent).
 */
export async function connectWithTlsMode<T>(
  mode: TlsMode,
  connect: (useTls: boolean) => Promise<T>,
  onFallback: (error: unknown) => void,
): Promise<T> {
  if (mode !== 'prefer') return connect(mode === 'require');
  try {
    return await connect(true);
  } catch (error) {
    if (!isTlsSetupError(error)) throw error;
    onFallback(error);
    return connect(false);
  }
}
