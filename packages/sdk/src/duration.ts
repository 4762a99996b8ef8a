/**
 * Durations carry their unit: `'250ms'`, `'30s'`, `'5m'`, `'1h'`, `'1d'`, or a `…Ms` option holding milliseconds.
 * A bare number is never accepted where a duration is meant, because caching libraries disagree on the unit
 * (seconds in Python and Powertools, milliseconds in Java and middy, nanoseconds in Go).
 */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';
export type Duration = `${number}${DurationUnit}`;

const UNIT_MS: Readonly<Record<DurationUnit, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Milliseconds in a duration string; throws a `RangeError` naming the bad text. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (match === null) {
    throw new RangeError(
      `Invalid duration '${text}': expected a number with a unit (ms, s, m, h, d), e.g. '5m'`,
    );
  }
  return Number(match[1]) * UNIT_MS[match[2] as DurationUnit];
}

/**
 * Resolves a pair of options `name` (a `Duration`) and `nameMs` (milliseconds) to milliseconds; setting both is
 * an error, setting neither gives `fallbackMs`.
 */
export function durationOption(
  name: string,
  duration: Duration | undefined,
  ms: number | undefined,
  fallbackMs: number,
): number {
  if (duration !== undefined && ms !== undefined) {
    throw new RangeError(`Set either ${name} or ${name}Ms, not both`);
  }
  const value = duration !== undefined ? parseDuration(duration) : (ms ?? fallbackMs);
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite, non-negative duration (got ${String(duration ?? ms)})`);
  }
  return value;
}
