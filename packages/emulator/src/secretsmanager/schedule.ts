import { invalidParameter } from '../errors.js';
import type { RotationRules } from './model.js';

/** Rotation schedules: validation of RotationRules and the NextRotationDate they imply. */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const RATE = /^rate\((\d+) (hours?|days?)\)$/;
const CRON = /^cron\((.+)\)$/;
const DURATION = /^(\d{1,2})h$/;

interface CronField {
  matches(value: number): boolean;
}

/** One field of a Secrets Manager cron: numbers, `*`, `?`, lists, ranges, and `/` steps. */
function cronField(text: string, min: number, max: number, expression: string): CronField {
  if (text === '*' || text === '?') return { matches: () => true };
  const allowed = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    const [from, to] =
      range === '*'
        ? [min, max]
        : range.includes('-')
          ? range.split('-').map(Number)
          : [Number(range), stepText ? max : Number(range)];
    if (
      ![from, to, step].every((n) => Number.isInteger(n)) ||
      from! < min ||
      to! > max ||
      from! > to! ||
      step < 1
    ) {
      throw invalidParameter(
        `The ScheduleExpression ${expression} is not a valid cron expression (field '${text}').`,
      );
    }
    for (let n = from!; n <= to!; n += step) allowed.add(n);
  }
  return { matches: (value) => allowed.has(value) };
}

interface Schedule {
  next(after: number): number;
}

function parseCron(expression: string, body: string): Schedule {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw invalidParameter(
      `The ScheduleExpression ${expression} must have six fields: minutes hours day-of-month month day-of-week year.`,
    );
  }
  const [minutes, hours, dayOfMonth, month, dayOfWeek] = fields as [string, string, string, string, string];
  if (minutes !== '0') throw invalidParameter(`The ScheduleExpression ${expression} must use 0 for minutes.`);
  const hour = cronField(hours, 0, 23, expression);
  const dom = cronField(dayOfMonth, 1, 31, expression);
  const mon = cronField(month, 1, 12, expression);
  // AWS cron counts days of the week 1 (Sunday) to 7 (Saturday); names like MON are accepted too.
  const names = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
  const dowText = dayOfWeek.toUpperCase().replace(/[A-Z]{3}/g, (name) => String(names.indexOf(name) + 1));
  const dow = cronField(dowText, 1, 7, expression);
  return {
    next(after) {
      let at = Math.floor(after / HOUR_MS) * HOUR_MS + HOUR_MS;
      for (let i = 0; i < 366 * 24 * 5; i++, at += HOUR_MS) {
        const d = new Date(at);
        if (
          hour.matches(d.getUTCHours()) &&
          dom.matches(d.getUTCDate()) &&
          mon.matches(d.getUTCMonth() + 1) &&
          dow.matches(d.getUTCDay() + 1)
        ) {
          return at;
        }
      }
      throw invalidParameter(`The ScheduleExpression ${expression} never matches.`);
    },
  };
}

function parseSchedule(rules: RotationRules): Schedule | undefined {
  const { AutomaticallyAfterDays: days, ScheduleExpression: expression } = rules;
  if (days !== undefined) return { next: (after) => after + days * DAY_MS };
  if (expression === undefined) return undefined;
  const rate = RATE.exec(expression);
  if (rate) {
    const amount = Number(rate[1]);
    const unit = rate[2]!.startsWith('hour') ? HOUR_MS : DAY_MS;
    if (amount < 1 || (unit === HOUR_MS && amount < 4) || (unit === DAY_MS && amount > 1000)) {
      throw invalidParameter(
        `The ScheduleExpression ${expression} is out of range: rotate at most every 4 hours and at least every 1000 days.`,
      );
    }
    return { next: (after) => after + amount * unit };
  }
  const cron = CRON.exec(expression);
  if (cron) return parseCron(expression, cron[1]!);
  throw invalidParameter(`The ScheduleExpression ${expression} is neither a rate() nor a cron() expression.`);
}

/** Validates RotationRules as RotateSecret does; throws InvalidParameterException naming the problem. */
export function validateRotationRules(rules: RotationRules): void {
  if (rules.AutomaticallyAfterDays !== undefined && rules.ScheduleExpression !== undefined) {
    throw invalidParameter(
      "You can't specify both AutomaticallyAfterDays and ScheduleExpression in RotationRules.",
    );
  }
  if (rules.Duration !== undefined) {
    const hours = DURATION.exec(rules.Duration);
    if (!hours || Number(hours[1]) < 1 || Number(hours[1]) > 24) {
      throw invalidParameter(`The rotation window Duration ${rules.Duration} must be between 1h and 24h.`);
    }
  }
  parseSchedule(rules);
}

/** The next rotation after `after` under these rules, or undefined when the rules set no schedule. */
export function nextRotation(rules: RotationRules | undefined, after: number): number | undefined {
  return rules ? parseSchedule(rules)?.next(after) : undefined;
}
