import type { CacheLookup, CacheStatus, SecretValue } from '../types/secret.js';
import type { SecretRequest } from '../types/source.js';
import { KeyedEntry } from './keyed-cache.js';
import { type HitResults, hitResults, lookupResult } from './results.js';

/** Bytes charged to every entry on top of its value, for the bookkeeping around it (`maxBytes`). */
const ENTRY_OVERHEAD_BYTES = 256;

/**
 * The state of one SecretsCache key (secret id + versionId + versionStage): the shared policy's state plus what
 * version checks need. Every read of one version returns the same (frozen) value object.
 */
export class CacheEntry extends KeyedEntry<SecretValue, CacheLookup> {
  /** The upstream request for this key (no signal: one fetch serves every waiting caller). */
  readonly request: SecretRequest;
  /** A versionId without a stage names an immutable version: it is fetched once and never re-checked. */
  readonly pinned: boolean;

  /** What a warm hit of `value` returns: set with the value and dropped with it, since it holds the value. */
  hits: HitResults | undefined;
  override size = ENTRY_OVERHEAD_BYTES;

  /** From here on a read also starts a background check (refresh-ahead, rotation polling, scheduled rotation). */
  checkAt = 0;
  /** When the last forced refresh started; another within `minRefreshInterval` reuses its outcome. Only forced
   * refreshes count: a refresh right after an ordinary read (an app that just failed to log in with it) still goes
   * upstream. */
  forcedAt = Number.NEGATIVE_INFINITY;

  /** The AWSPENDING version last seen by a check, and since when: rotation polling stops after one TTL, because a
   * rotation that takes longer has most likely failed (a failed rotation leaves AWSPENDING in place). */
  pendingVersionId: string | undefined;
  pendingSince = 0;

  constructor(key: string, request: SecretRequest) {
    super(key);
    this.request = request;
    this.pinned = request.versionId !== undefined && request.versionStage === undefined;
  }

  /** Sets a new value; a value of the version already held keeps the existing object, so its identity is stable. */
  setValue(value: SecretValue): boolean {
    const previous = this.value;
    if (previous !== undefined && previous.versionId === value.versionId) return false;
    const stable = freezeValue(value);
    this.value = stable;
    this.hits = hitResults(stable);
    this.size = ENTRY_OVERHEAD_BYTES + valueBytes(stable);
    return true;
  }

  result(status: CacheStatus): CacheLookup {
    return lookupResult(this.value as SecretValue, status);
  }

  override clearValue(): void {
    this.value = undefined;
    this.hits = undefined;
    this.size = ENTRY_OVERHEAD_BYTES;
  }
}

/** A canonical, frozen copy of a source's value. A `Uint8Array` cannot be frozen, so `binary` is shared: the
 * cache's getters hand out copies. */
function freezeValue(value: SecretValue): SecretValue {
  const base = {
    arn: value.arn,
    name: value.name,
    versionId: value.versionId,
    versionStages: Object.freeze([...value.versionStages]),
    createdDate: value.createdDate,
  };
  return Object.freeze(
    value.binary !== undefined && value.string === undefined
      ? { ...base, binary: value.binary }
      : { ...base, string: value.string ?? '' },
  );
}

function valueBytes(value: SecretValue): number {
  return value.string !== undefined ? Buffer.byteLength(value.string) : (value.binary?.byteLength ?? 0);
}
