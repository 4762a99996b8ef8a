import type { SecretDescription } from '../types/source.js';

export interface VersionCheck {
  /** The cached version still holds the requested stage. */
  readonly unchanged: boolean;
  /** The AWSPENDING version when it differs from AWSCURRENT: a rotation is in progress (or stuck). */
  readonly pendingVersionId: string | undefined;
}

/** Compares a DescribeSecret answer with the cached version. Without `VersionIdsToStages` nothing can be
 * concluded, and the caller falls back to GetSecretValue. */
export function checkVersion(
  description: SecretDescription,
  versionStage: string,
  cachedVersionId: string,
): VersionCheck | undefined {
  const stages = description.versionIdsToStages;
  if (stages === undefined) return undefined;
  let current: string | undefined;
  let pending: string | undefined;
  for (const [versionId, labels] of Object.entries(stages)) {
    if (labels.includes('AWSCURRENT')) current = versionId;
    if (labels.includes('AWSPENDING')) pending = versionId;
  }
  return {
    unchanged: stages[cachedVersionId]?.includes(versionStage) === true,
    pendingVersionId: pending !== current ? pending : undefined,
  };
}
