import { connectWithTlsMode as connectHonouringSsl, PLAIN_FALLBACK_WARNING } from '@latchkey/sdk/db';
import type { Logger } from 'pino';
import type { TlsMode } from '../secret/database-secret.js';

export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
}

/**
 * Connects honouring the secret's `ssl` key (the SDK's rule: `require` never falls back, `prefer` falls back
 * only when TLS itself could not be set up), logging a fallback with who and where.
 */
export function connectWithTlsMode<T>(
  mode: TlsMode,
  connect: (useTls: boolean) => Promise<T>,
  logger: Logger,
  who: { username: string; host: string },
): Promise<T> {
  return connectHonouringSsl(mode, connect, (error) =>
    logger.warn(
      { username: who.username, host: who.host, reason: errorCode(error) ?? 'tls-setup-failed' },
      PLAIN_FALLBACK_WARNING,
    ),
  );
}
