/**
 * Reads a secret's rotation schedule: `AutomaticallyAfterDays`, or a `ScheduleExpression` of the form
 * `rate(N days|hours)`. A `cron(...)` schedule has no fixed interval; the audit then relies on NextRotationDate.
 */
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface RotationRules {
  readonly AutomaticallyAfterDays?: number;
  readonly Duration?: string;
  readonly ScheduleExpression?: string;
}

/** The longest a rotation may be apart under these rules, or undefined when the rules give no interval. */
export function rotationIntervalMs(rules: RotationRules | undefined): number | undefined {
  if (rules?.AutomaticallyAfterDays) return rules.AutomaticallyAfterDays * DAY_MS;
  const rate = /^rate\(\s*(\d+)\s+(day|days|hour|hours)\s*\)$/i.exec(rules?.ScheduleExpression?.trim() ?? '');
  if (!rate) return undefined;
  return Number(rate[1]) * (rate[2]!.toLowerCase().startsWith('day') ? DAY_MS : HOUR_MS);
}

/** The rotation window (`Duration`, e.g. `3h`), which AWS allows a rotation to start within. Default 24 hours. */
export function rotationWindowMs(rules: RotationRules | undefined): number {
  const duration = /^(\d+)h$/.exec(rules?.Duration?.trim() ?? '');
  return duration ? Number(duration[1]) * HOUR_MS : DAY_MS;
}
