import type { SecretsCache, VersionOptions } from '../cache/secrets-cache.js';
import type { CachedSecret } from '../types/secret.js';

export interface WithSecretOptions extends VersionOptions {
  /** Whether an error means the credentials were refused (e.g. PostgreSQL 28P01, MySQL 1045). */
  isAuthError: (error: unknown) => boolean;
}

/**
 * Runs `fn` with the cached secret. When it fails with an authentication error, the secret may have been
 * rotated, and `fn` runs once more with the credentials that may work now (see `rotatedCredentials`). When there
 * are none, the original error is thrown: retrying with the same credentials cannot help.
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
    const retry = await rotatedCredentials(cache, secretId, secret, { versionId, versionStage });
    if (retry === undefined) throw error;
    return await fn(retry);
  }
}

/**
 * After `refused` was refused: a newer version of the stage read, or else the AWSPENDING version, each checked
 * upstream now (`revalidate`: a refusal is evidence, so neither the TTL nor the forced-refresh interval may answer
 * with what was read before it). A single-user rotation changes the database password in setSecret but moves
 * AWSCURRENT only in finishSecret, so in between the database accepts only the pending credentials. A pinned
 * `versionId` never changes, so it gets no retry.
 */
async function rotatedCredentials(
  cache: SecretsCache,
  secretId: string,
  refused: CachedSecret,
  { versionId, versionStage }: VersionOptions,
): Promise<CachedSecret | undefined> {
  if (versionId !== undefined) return undefined;
  const current = () => cache.get(secretId, { versionStage, revalidate: true });
  const fresh = await current();
  if (fresh.versionId !== refused.versionId) return fresh;
  // Only a read of AWSCURRENT can be behind a single-user rotation's password change.
  if (!fresh.versionStages.includes('AWSCURRENT')) return undefined;
  // No pending version (no rotation under way) is the common case here, not an error worth more than the refusal.
  const pending = await cache
    .get(secretId, { versionStage: 'AWSPENDING', revalidate: true })
    .catch(() => undefined);
  if (pending !== undefined && pending.versionId !== refused.versionId) return pending;
  // The rotation may have finished between the two checks (its pending label is gone): AWSCURRENT has moved then.
  const finished = await current();
  return finished.versionId !== refused.versionId ? finished : undefined;
}
