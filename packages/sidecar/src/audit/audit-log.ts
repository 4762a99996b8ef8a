/**
 * The audit log: one JSON line per request to a secret route (health probes excluded), to a file or stdout.
 * It records who asked for what and what happened — never a value: the record type has no field that could hold one.
 */

import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RouteName } from '../metrics.js';

export interface AuditRecord {
  readonly time: string;
  readonly request_id: string;
  readonly client: string | null;
  readonly route: RouteName;
  readonly method: string;
  readonly secret_id?: string | readonly string[];
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

/** Where lines go (a stream, or a capture in tests). */
export interface LineSink {
  write(chunk: string | Uint8Array): unknown;
}

/** Printable ASCII other than `"` and `\`: such a string is its own JSON string body. */
const NEEDS_NO_ESCAPE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
let lastMs = -1;
let lastIso = '';
let minuteStart = -1;
/** `2026-11-28T12:09:` for the minute starting at `minuteStart`. */
let minutePrefix = '';

/** A JSON string literal. Ids rarely need escaping, and testing for that costs half a JSON.stringify call. */
function quote(value: string): string {
  return NEEDS_NO_ESCAPE.test(value) ? `"${value}"` : JSON.stringify(value);
}

/** The record as one JSON line, fields in a fixed order, absent ones left out. Hand-assembled because this runs
 * once per request. `time`, `request_id`, `route`, `method`, `decision` and `cache` are not escaped: the sidecar
 * makes them (an ISO date, hex and base-36 digits, fixed words) or Node's HTTP parser limits them to the known
 * method names. Every other string is quoted. */
export function formatAuditLine(record: AuditRecord): string {
  let line = `{"time":"${record.time}","request_id":"${record.request_id}","client":${record.client === null ? 'null' : quote(record.client)},"route":"${record.route}","method":"${record.method}"`;
  const secretId = record.secret_id;
  if (secretId !== undefined)
    line += `,"secret_id":${typeof secretId === 'string' ? quote(secretId) : JSON.stringify(secretId)}`;
  if (record.version_stage !== undefined) line += `,"version_stage":${quote(record.version_stage)}`;
  if (record.version_id !== undefined) line += `,"version_id":${quote(record.version_id)}`;
  if (record.role_arn !== undefined) line += `,"role_arn":${quote(record.role_arn)}`;
  line += `,"decision":"${record.decision}","status":${record.status}`;
  if (record.cache !== undefined) line += `,"cache":"${record.cache}"`;
  if (record.error !== undefined) line += `,"error":${quote(record.error)}`;
  return `${line},"latency_ms":${record.latency_ms}}\n`;
}

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

/** The current time as an ISO string, computed once per millisecond. */
export function auditTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = isoTime(now);
  }
  return lastIso;
}

/** Batches of up to this many bytes are written at once; a quieter sidecar writes at least every flush interval. */
const BATCH_BYTES = 64 * 1024;
/** The most bytes one UTF-16 code unit can take in UTF-8. */
const MAX_UTF8_PER_UNIT = 3;

export class AuditLog {
  private readonly sink: LineSink;
  private readonly batched: boolean;
  private readonly onClose: (() => Promise<void>) | undefined;
  /** Batched lines are encoded into this buffer at once, so they do not stay on the JS heap as strings until the
   * flush (strings that survive young-generation collections are copied and promoted: costly per request). */
  private batch: Buffer = Buffer.allocUnsafe(BATCH_BYTES);
  private batchBytes = 0;
  private timer: NodeJS.Timeout | undefined;

  /** `batched: false` writes each line as it comes (tests read lines right after each request). */
  constructor(
    sink: LineSink,
    options: { batched?: boolean; flushMs?: number; onClose?: () => Promise<void> } = {},
  ) {
    this.sink = sink;
    this.batched = options.batched ?? false;
    this.onClose = options.onClose;
    if (this.batched) {
      this.timer = setInterval(() => this.flush(), options.flushMs ?? 1000);
      this.timer.unref();
    }
  }

  /** `-` is stdout; anything else a file, appended to (its directory is created). Lines are written in batches:
   * a busy sidecar makes one write per many requests, not one per request. */
  static open(path: string, flushMs = 1000): AuditLog {
    if (path === '-') return new AuditLog(process.stdout, { batched: true, flushMs });
    mkdirSync(dirname(path), { recursive: true });
    const stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
    return new AuditLog(stream, {
      batched: true,
      flushMs,
      onClose: async () => {
        stream.end();
        await once(stream, 'close');
      },
    });
  }

  write(record: AuditRecord): void {
    const line = formatAuditLine(record);
    if (!this.batched) {
      this.sink.write(line);
      return;
    }
    const room = this.batch.length - this.batchBytes;
    if (line.length * MAX_UTF8_PER_UNIT > room) {
      this.flush();
      if (line.length * MAX_UTF8_PER_UNIT > this.batch.length) {
        this.sink.write(line); // a line larger than a batch goes on its own
        return;
      }
    }
    this.batchBytes += this.batch.write(line, this.batchBytes);
  }

  flush(): void {
    if (this.batchBytes === 0) return;
    const chunk = this.batch.subarray(0, this.batchBytes);
    // The sink may hold the chunk until it is written, so the next batch gets a new buffer.
    this.batch = Buffer.allocUnsafe(BATCH_BYTES);
    this.batchBytes = 0;
    this.sink.write(chunk);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.flush();
    await this.onClose?.();
  }
}
