import { type DatabaseSecret, parseDatabaseSecret } from '../secret/database-secret.js';
import type { StepContext } from '../strategies/strategy.js';

/** Reads and validates one version of a database secret; undefined when that version has no value. */
export async function readDatabaseSecret(
  context: Pick<StepContext, 'store' | 'family'>,
  secretId: string,
  select: { stage: string; versionId?: string },
  options: { requireEngine?: boolean } = {},
): Promise<DatabaseSecret | undefined> {
  const secretString = await context.store.getString(secretId, select);
  if (secretString === undefined) return undefined;
  return parseDatabaseSecret(secretString, {
    family: context.family,
    secretId,
    version: `${select.stage}${select.versionId ? ` ${select.versionId}` : ''}`,
    requireEngine: options.requireEngine,
  });
}
