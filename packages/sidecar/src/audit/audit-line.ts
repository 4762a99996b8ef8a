/**
 * One audit record as one JSON line: the record type, its time stamp, the string formatter, and the byte encoder the
 * batched log runs on every request. The record type has no field that could hold a secret value.
 */
import { performance } from 'node:perf_hooks';
import type { RouteName } from '../metrics.js';

export interface AuditRecord {
  readonly time: string;
  readonly request_id: string;
  readonly client: string | null;
  readonly route: RouteName;
  readonly method: string;
  readonly secret_id?: string | readonly string[];
  /** The Parameter Store route's parameter name (for a Secrets Manager reference, `secret_id` is the secret). */
  readonly parameter?: string;
  /** The Parameter Store route's `version` or `label` selector. */
  readonly version?: string;
  readonly label?: string;
  readonly version_stage?: string;
  readonly version_id?: string;
  readonly role_arn?: string;
  /** `allow`: served or passed to the upstream; `deny`: refused by policy; `reject`: refused before identification
   * or for a malformed request. */
  readonly decision: 'allow' | 'deny' | 'reject';
  readonly status: number;
  readonly cache?: 'hit' | 'miss' | 'stale';
  readonly error?: string;
  readonly latency_ms: number;
}

/** The fields of a line that say what the request asked for. */
export type AuditSubject = Pick<
  AuditRecord,
  'secret_id' | 'parameter' | 'version' | 'label' | 'version_stage' | 'version_id' | 'role_arn'
>;

/** A route's subject with every field it records spelled out (undefined when the request left it out), so a field the
 * route forgets to fill is a compile error, not a missing audit field. */
export type RouteSubject<K extends keyof AuditSubject> = { readonly [P in K]-?: AuditSubject[P] | undefined };

/** Printable ASCII other than `"` and `\`: such a string is its own JSON string body. */
const NEEDS_NO_ESCAPE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A JSON string literal. Ids rarely need escaping, and testing for that costs half a JSON.stringify call. */
function quote(value: string): string {
  return NEEDS_NO_ESCAPE.test(value) ? `"${value}"` : JSON.stringify(value);
}

type MiddleField = Exclude<keyof AuditRecord, 'time' | 'request_id' | 'latency_ms'>;

/** How a field's value is written: `plain` for words the sidecar makes (no escaping), `quoted` for any other
 * string, `number`, `nullable` for a string or null, `ids` for a string or a list of strings. */
type FieldKind = 'plain' | 'quoted' | 'number' | 'nullable' | 'ids';

/** The fields between `request_id` and `latency_ms`, in the order a line has them. The formatter, the encoder's
 * memo and the byte-for-byte test all go by this list. */
export const MIDDLE_FIELDS: readonly (readonly [MiddleField, FieldKind])[] = [
  ['client', 'nullable'],
  ['route', 'plain'],
  ['method', 'plain'],
  ['secret_id', 'ids'],
  ['parameter', 'quoted'],
  ['version', 'quoted'],
  ['label', 'quoted'],
  ['version_stage', 'quoted'],
  ['version_id', 'quoted'],
  ['role_arn', 'quoted'],
  ['decision', 'plain'],
  ['status', 'number'],
  ['cache', 'plain'],
  ['error', 'quoted'],
];

function fieldJson(kind: FieldKind, value: string | number | null | readonly string[]): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return JSON.stringify(value);
  return kind === 'plain' ? `"${value}"` : quote(value);
}

/** The part of the line from the end of the request id to just before the latency's digits. For one client reading
 * one secret with one outcome it is the same on every line, which is what lets the encoder reuse its bytes. */
function lineMiddle(record: AuditRecord): string {
  let middle = '"';
  for (const [name, kind] of MIDDLE_FIELDS) {
    const value = record[name];
    if (value !== undefined) middle += `,"${name}":${fieldJson(kind, value)}`;
  }
  return `${middle},"latency_ms":`;
}

/** The record as one JSON line, fields in a fixed order, absent ones left out. `time`, `request_id`, `route`,
 * `method`, `decision` and `cache` are not escaped: the sidecar makes them (an ISO date, hex and base-36 digits,
 * fixed words) or Node's HTTP parser limits them to the known method names. Every other string is quoted. */
export function formatAuditLine(record: AuditRecord): string {
  return `{"time":"${record.time}","request_id":"${record.request_id}${lineMiddle(record)}${record.latency_ms}}\n`;
}

let minuteStart = -1;
/** `2026-11-28T12:09:` for the minute starting at `minuteStart`. */
let minutePrefix = '';
let lastMs = -1;
let lastIso = '';

/** `ms` (epoch milliseconds, 0 to 253402300799999) as `Date.prototype.toISOString` writes it. V8 formats a date
 * through snprintf, several thousand instructions; a sidecar answering one request per millisecond paid that on
 * every audit line. Here the date and minute are formatted once a minute and the rest is two paddings. */
export function isoTime(ms: number): string {
  const minute = ms - (ms % 60_000);
  if (minute !== minuteStart) {
    minuteStart = minute;
    minutePrefix = new Date(minute).toISOString().slice(0, 17);
  }
  const inMinute = ms - minute;
  const seconds = Math.floor(inMinute / 1000);
  const millis = inMinute - seconds * 1000;
  return `${minutePrefix}${seconds < 10 ? '0' : ''}${seconds}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

/** Added to a `performance.now()` reading, the wall clock in epoch milliseconds. */
let wallOffset = performance.timeOrigin;
/** The reading at which `wallOffset` was last checked against `Date.now()`. */
let wallCheckedAt = Number.NEGATIVE_INFINITY;

/** The wall-clock time of a `performance.now()` reading as an ISO string, formatted once per millisecond. The
 * request already read the monotonic clock for its latency; reading the wall clock too cost another ~70 ns on a
 * VM. The offset between the two is checked against `Date.now()` once a second and reset when they drift more
 * than a millisecond apart (a clock step, NTP slewing), so a step shows in the audit log within a second. */
export function auditTime(monotonicMs: number): string {
  if (monotonicMs - wallCheckedAt >= 1000) {
    wallCheckedAt = monotonicMs;
    const wall = Date.now();
    // Date.now() is the wall time rounded down: in step, the estimate is at most a millisecond ahead of it.
    const ahead = monotonicMs + wallOffset - wall;
    if (ahead < -1 || ahead > 2) wallOffset = wall + 0.5 - monotonicMs;
  }
  const now = Math.floor(monotonicMs + wallOffset);
  if (now !== lastMs) {
    lastMs = now;
    lastIso = isoTime(now);
  }
  return lastIso;
}

/** A line's middle as encoded, with the fields it was made from (other than the secret id, its key). */
interface EncodedMiddle {
  readonly record: AuditRecord;
  readonly bytes: Buffer;
}

/** Middles longer than this are encoded each time rather than kept (secret ids come from callers). */
const MAX_KEPT_MIDDLE_BYTES = 512;
/** Kept middles; past this many the memo starts over, so callers cycling through ids cannot grow it. */
const MAX_KEPT_MIDDLES = 1024;
/** The most bytes the latency and the closing `}\n` can take: 7 digits, a point, 3 decimals, 2. */
const MAX_TAIL_BYTES = 13;
const CLOSE_BRACE = 0x7d;
const NEWLINE = 0x0a;
const DIGIT_ZERO = 0x30;
const POINT = 0x2e;

/** Copies an id the sidecar made (printable ASCII, nothing to escape) byte for byte; -1 for anything else. */
function writePlainAscii(value: string, target: Buffer, at: number): number {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return -1;
    target[at + i] = code;
  }
  return at + value.length;
}

/** Latencies from this many microseconds on (35 minutes) are written by the string formatter: below it, the digits
 * come from 32-bit integer arithmetic. */
const MAX_FAST_MICROS = 2 ** 31;

/** A latency in milliseconds with at most 3 decimals (what the sidecar records), as `String(ms)` writes it; -1 for
 * any other number. For such a value the shortest round-trip form is its decimal digits, trailing zeros dropped. */
function writeLatency(ms: number, target: Buffer, at: number): number {
  const micros = Math.round(ms * 1000);
  if (!(micros >= 0 && micros < MAX_FAST_MICROS && micros / 1000 === ms)) return -1;
  let whole = (micros / 1000) | 0;
  let fraction = micros - whole * 1000;
  let digits = 1;
  for (let rest = whole; rest >= 10; rest = (rest / 10) | 0) digits++;
  for (let i = digits - 1; i >= 0; i--) {
    const next = (whole / 10) | 0;
    target[at + i] = DIGIT_ZERO + whole - next * 10;
    whole = next;
  }
  at += digits;
  if (fraction === 0) return at;
  target[at++] = POINT;
  for (let place = 100; fraction > 0; place = (place / 10) | 0) {
    const digit = (fraction / place) | 0;
    target[at++] = DIGIT_ZERO + digit;
    fraction -= digit * place;
  }
  return at;
}

/**
 * Writes audit lines as UTF-8 straight into a batch buffer, byte for byte what `formatAuditLine` gives. Building
 * and encoding the whole line per request cost about 15 % of the sidecar's cache-hit throughput; here a line is the
 * current millisecond's bytes, the request id, the middle (kept per secret id) and the latency's digits.
 */
export class AuditLineEncoder {
  private readonly middles = new Map<string, EncodedMiddle>();
  private lastTime: string | undefined;
  /** `{"time":"<lastTime>","request_id":"`. */
  private timeBytes: Buffer = Buffer.alloc(0);

  /** Writes the line at `offset` and answers its length, or -1 if it may not fit in the room left. */
  encode(record: AuditRecord, target: Buffer, offset: number): number {
    if (record.time !== this.lastTime) {
      this.lastTime = record.time;
      this.timeBytes = Buffer.from(`{"time":"${record.time}","request_id":"`);
    }
    const middle = this.middle(record);
    const head = this.timeBytes;
    if (offset + head.length + record.request_id.length + middle.length + MAX_TAIL_BYTES > target.length) {
      return -1;
    }
    target.set(head, offset);
    let at = writePlainAscii(record.request_id, target, offset + head.length);
    if (at >= 0) {
      target.set(middle, at);
      at = writeLatency(record.latency_ms, target, at + middle.length);
    }
    if (at < 0) return this.encodeString(record, target, offset);
    target[at++] = CLOSE_BRACE;
    target[at++] = NEWLINE;
    return at - offset;
  }

  /** The general case (an id or latency the sidecar would not make): the formatted string, encoded. */
  private encodeString(record: AuditRecord, target: Buffer, offset: number): number {
    const line = formatAuditLine(record);
    // 3 bytes per UTF-16 unit at most.
    if (offset + line.length * 3 > target.length) return -1;
    return target.write(line, offset);
  }

  private middle(record: AuditRecord): Buffer {
    const secretId = record.secret_id;
    if (typeof secretId !== 'string') return Buffer.from(lineMiddle(record));
    const kept = this.middles.get(secretId);
    if (kept !== undefined && sameMiddle(kept.record, record)) return kept.bytes;
    const bytes = Buffer.from(lineMiddle(record));
    if (bytes.length <= MAX_KEPT_MIDDLE_BYTES) {
      if (kept === undefined && this.middles.size >= MAX_KEPT_MIDDLES) this.middles.clear();
      this.middles.set(secretId, { record, bytes });
    }
    return bytes;
  }
}

/** Whether two records with the same secret id (the memo's key) have the same middle: every other field of
 * MIDDLE_FIELDS compared. Written out, not a loop over the list: the loop's keyed property reads cost about 0.9 µs
 * per request in a micro-benchmark (7 times this). The encoder test varies each field of MIDDLE_FIELDS in turn, so a
 * field missing here fails it. */
function sameMiddle(a: AuditRecord, b: AuditRecord): boolean {
  return (
    a.client === b.client &&
    a.route === b.route &&
    a.method === b.method &&
    a.parameter === b.parameter &&
    a.version === b.version &&
    a.label === b.label &&
    a.version_stage === b.version_stage &&
    a.version_id === b.version_id &&
    a.role_arn === b.role_arn &&
    a.decision === b.decision &&
    a.status === b.status &&
    a.cache === b.cache &&
    a.error === b.error
  );
}
