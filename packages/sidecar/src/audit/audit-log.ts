/**
 * The audit log: one JSON line per request to a secret route (health probes excluded), to a file or stdout.
 * It records who asked for what and what happened — never a value: the record type has no field that could hold one.
 */
import pino from 'pino';

export interface AuditRecord {
  readonly time: string;
  readonly request_id: string;
  readonly client: string | null;
  readonly route: string;
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

export interface LineSink {
  write(line: string): unknown;
  flushSync?(): void;
  end?(): void;
}

export class AuditLog {
  private readonly sink: LineSink;
  private readonly owned: boolean;

  constructor(sink: LineSink, owned = false) {
    this.sink = sink;
    this.owned = owned;
  }

  /**
   * `-` is stdout; anything else a file, appended to (its directory is created). Lines are buffered up to 4 KiB and
   * flushed at least every `flushMs`, so a busy sidecar makes one write per few dozen requests, not one per request.
   */
  static open(path: string, flushMs = 1000): AuditLog {
    const destination = pino.destination({
      dest: path === '-' ? 1 : path,
      sync: false,
      mkdir: true,
      minLength: 4096,
    });
    const log = new AuditLog(destination, path !== '-');
    log.timer = setInterval(() => {
      // Nothing buffered, or a write already in flight: the next tick will do.
      destination.flush(() => undefined);
    }, flushMs);
    log.timer.unref();
    return log;
  }

  private timer: NodeJS.Timeout | undefined;

  write(record: AuditRecord): void {
    this.sink.write(`${JSON.stringify(record)}\n`);
  }

  close(): void {
    clearInterval(this.timer);
    try {
      this.sink.flushSync?.();
    } catch {
      // Nothing buffered, or the descriptor is already closed.
    }
    if (this.owned) this.sink.end?.();
  }
}
