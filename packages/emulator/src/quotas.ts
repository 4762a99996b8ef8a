/**
 * Secrets Manager's request-rate quotas, as token buckets: each quota refills at its rate and holds at most one
 * second of it, so a burst up to the rate passes and a sustained excess is refused. The clock is a parameter, so
 * the fleet simulation runs the same buckets on virtual time.
 */

/** One rate quota: the operations it covers share its bucket. */
export interface RateQuota {
  readonly operations: readonly string[];
  /** Requests per second allowed for the operations together (AWS's default, per account and region). */
  readonly perSecond: number;
}

/**
 * AWS's published defaults (the "AWS Secrets Manager quotas" page of the user guide; GetSecretValue and
 * DescribeSecret as raised in March 2025). None of them is adjustable.
 */
export const SECRETS_MANAGER_RATE_QUOTAS: readonly RateQuota[] = [
  { operations: ['GetSecretValue'], perSecond: 10_000 },
  { operations: ['DescribeSecret'], perSecond: 40_000 },
  { operations: ['BatchGetSecretValue'], perSecond: 100 },
  { operations: ['ListSecrets'], perSecond: 100 },
  {
    operations: [
      'PutSecretValue',
      'UpdateSecret',
      'UpdateSecretVersionStage',
      'RemoveRegionsFromReplication',
      'ReplicateSecretToRegion',
      'StopReplicationToReplica',
    ],
    perSecond: 50,
  },
  { operations: ['RotateSecret', 'CancelRotateSecret'], perSecond: 50 },
];

/** A refilling allowance of requests; `take` spends one when there is one. */
export class TokenBucket {
  readonly #perMs: number;
  readonly #capacity: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;

  /** `perSecond`: the refill rate. `capacity`: the largest burst (default one second of the rate, at least 1). */
  constructor(perSecond: number, now: () => number, capacity = Math.max(1, perSecond)) {
    if (!(perSecond > 0 && Number.isFinite(perSecond)))
      throw new RangeError(`A token bucket's rate must be a positive number; got ${perSecond}.`);
    this.#perMs = perSecond / 1000;
    this.#capacity = capacity;
    this.#now = now;
    this.#tokens = capacity;
    this.#updatedAt = now();
  }

  /** Spends one token; false when the bucket is empty (the request is throttled). */
  take(): boolean {
    const now = this.#now();
    if (now > this.#updatedAt) {
      this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#updatedAt) * this.#perMs);
      this.#updatedAt = now;
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Checks `scale` for `--quota-scale` and `startEmulator({ quotaScale })`. */
export function checkQuotaScale(scale: number): number {
  if (!(typeof scale === 'number' && scale > 0 && Number.isFinite(scale)))
    throw new RangeError(`quotaScale must be a positive number (e.g. 0.01 or 1); got ${String(scale)}.`);
  return scale;
}

/** The buckets of every rate quota, each rate multiplied by `scale` (0.01 lets 100 clients stand for 10,000). */
export class RequestQuotas {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(scale: number, now: () => number, quotas: readonly RateQuota[] = SECRETS_MANAGER_RATE_QUOTAS) {
    checkQuotaScale(scale);
    for (const quota of quotas) {
      const bucket = new TokenBucket(quota.perSecond * scale, now);
      for (const operation of quota.operations) this.#buckets.set(operation, bucket);
    }
  }

  /** Whether one request of `operation` is within its quota now (operations without a quota always are). */
  admit(operation: string): boolean {
    return this.#buckets.get(operation)?.take() ?? true;
  }
}
