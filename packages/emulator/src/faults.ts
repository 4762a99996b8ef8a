import { randomUUID } from 'node:crypto';

/**
 * Fault injection: make the emulator misbehave on purpose, for all operations or one, for the next N calls or
 * for a time window, so reliability tests can break the upstream.
 */

export const FAULT_KINDS = ['latency', 'throttling', 'internal-error', 'connection-reset'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FailureKind = Exclude<FaultKind, 'latency'>;

export interface FaultSpec {
  kind: FaultKind;
  /** The operation to break (`GetSecretValue`, `AssumeRole`, ...); every operation when absent. */
  operation?: string;
  /** For `latency`: how long to hold each matching request before answering it. */
  latencyMs?: number;
  /** Applies to the next `count` matching requests only. */
  count?: number;
  /** Applies for this long after injection only. Without count or durationMs, until cleared. */
  durationMs?: number;
}

export interface ActiveFault extends FaultSpec {
  id: string;
  /** How many requests it has affected so far. */
  hits: number;
  expiresAt?: number;
}

export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
}

const isCount = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0;
const isDuration = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0;

function validate(spec: FaultSpec, operations: readonly string[]): void {
  if (!FAULT_KINDS.includes(spec?.kind)) {
    throw new FaultSpecError(
      `Fault kind must be one of ${FAULT_KINDS.join(', ')}; got ${JSON.stringify(spec?.kind)}.`,
    );
  }
  if (spec.operation !== undefined && !operations.includes(spec.operation)) {
    throw new FaultSpecError(
      `Fault operation ${JSON.stringify(spec.operation)} is not an operation the emulator answers (e.g. GetSecretValue, AssumeRole).`,
    );
  }
  if (spec.kind === 'latency' && !isDuration(spec.latencyMs)) {
    throw new FaultSpecError('A latency fault needs latencyMs, a number of milliseconds >= 0.');
  }
  if (spec.count !== undefined && !isCount(spec.count))
    throw new FaultSpecError('Fault count must be a positive integer.');
  if (spec.durationMs !== undefined && !isDuration(spec.durationMs)) {
    throw new FaultSpecError('Fault durationMs must be a number of milliseconds >= 0.');
  }
}

/** What to do to one request. */
export interface FaultDecision {
  latencyMs: number;
  failure?: FailureKind;
}

export class FaultInjector {
  private faults: ActiveFault[] = [];

  /** `operations`: the names a fault may target, so a misspelt name is refused instead of never matching. */
  constructor(private readonly operations: readonly string[]) {}

  /** Adds a fault; returns its id, for clear(id). */
  inject(spec: FaultSpec): string {
    validate(spec, this.operations);
    const id = randomUUID();
    const fault: ActiveFault = { ...spec, id, hits: 0 };
    if (spec.durationMs !== undefined) fault.expiresAt = Date.now() + spec.durationMs;
    this.faults.push(fault);
    return id;
  }

  /** Removes one fault, or all of them. */
  clear(id?: string): void {
    this.faults = id === undefined ? [] : this.faults.filter((fault) => fault.id !== id);
  }

  /** The faults still in force. */
  list(): ActiveFault[] {
    this.expire();
    return this.faults.map((fault) => ({ ...fault }));
  }

  /**
   * The faults that apply to one request of `operation`, each counted against its `count`. Latencies add up; the
   * first failing fault (in injection order) decides the failure.
   */
  decide(operation: string): FaultDecision {
    this.expire();
    const decision: FaultDecision = { latencyMs: 0 };
    for (const fault of this.faults) {
      if (fault.operation !== undefined && fault.operation !== operation) continue;
      if (fault.kind === 'latency') decision.latencyMs += fault.latencyMs ?? 0;
      else if (decision.failure === undefined) decision.failure = fault.kind;
      else continue;
      fault.hits++;
    }
    this.faults = this.faults.filter((fault) => fault.count === undefined || fault.hits < fault.count);
    return decision;
  }

  private expire(): void {
    const now = Date.now();
    this.faults = this.faults.filter((fault) => fault.expiresAt === undefined || fault.expiresAt > now);
  }
}
