import type { SecretsCache, VersionOptions } from '../cache/secrets-cache.js';
import type { CachedSecret } from '../types/secret.js';

export interface WithSecretOptions extends VersionOptions {
  /** Whether an error means the credentials were refused (e.g. PostgreSQL 28P01, MySQL 1045). */
  isAuthError: (error: unknown) => boolean;
}

/**
 * Runs `fn` with the cached secret. When it fails with an authentication error, the secret may have been
 * rotated: the secret is refreshed (rate-limited, coalesced) and, if a new version came back, `fn` runs once
 * more with it. Otherwise the original error is thrown: retrying with the same credentials cannot help.
 */
export async function withSecret<T>(
  cache: SecretsCache,
  secretId: string,
  fn: (secret: CachedSecret) => T | Promise<T>,
  options: WithSecretOptions,
): Promise<T> {
  const { isAuthError, versionId, versionStage } = options;
  const secret = await cache.get(secretId, { versionId, versionStage });
  try {
    return await fn(secret);
  } catch (error) {
    if (!isAuthError(error)) throw error;
    const fresh = await cache.refresh(secretId, { versionId, versionStage });
    if (fresh.versionId === secret.versionId) throw error;
    return await fn(fresh);
  }
}
