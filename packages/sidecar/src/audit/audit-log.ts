/**
 * The audit log: one JSON line per request to a secret route (health probes excluded), to a file or stdout.
 * It records who asked for what and what happened — never a value: the record type has no field that could hold one.
 */

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AuditLineEncoder, type AuditRecord, formatAuditLine } from './audit-line.js';
import { FileSink } from './file-sink.js';

/** Where lines go (a file sink, or a capture in tests). A sink that calls `written` once it is done with a chunk
 * gets its batch buffers back for reuse. */
export interface LineSink {
  write(chunk: string | Uint8Array, written?: () => void): unknown;
}

/** Batches of up to this many bytes are written at once; a quieter sidecar writes at least every flush interval. */
const BATCH_BYTES = 64 * 1024;
/** Written batch buffers kept for reuse. A busy sidecar fills a batch every few milliseconds; a new buffer each time
 * outlived young-generation collections and, as external memory, set off a full collection about every second. */
const SPARE_BATCHES = 2;

export class AuditLog {
  private readonly sink: LineSink;
  private readonly batched: boolean;
  private readonly onClose: (() => Promise<void>) | undefined;
  private readonly encoder = new AuditLineEncoder();
  /** Batched lines are encoded into this buffer at once, so they do not stay on the JS heap as strings until the
   * flush (strings that survive young-generation collections are copied and promoted: costly per request). */
  private batch: Buffer = Buffer.allocUnsafe(BATCH_BYTES);
  private batchBytes = 0;
  private readonly spares: Buffer[] = [];
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
   * a busy sidecar makes one write per many requests, not one per request. A batch that cannot be written goes to
   * `onError`. */
  static open(path: string, onError: (error: NodeJS.ErrnoException) => void, flushMs = 1000): AuditLog {
    if (path !== '-') mkdirSync(dirname(path), { recursive: true });
    const sink = path === '-' ? FileSink.stdout(onError) : FileSink.append(path, onError);
    return new AuditLog(sink, { batched: true, flushMs, onClose: () => sink.close() });
  }

  write(record: AuditRecord): void {
    if (!this.batched) {
      this.sink.write(formatAuditLine(record));
      return;
    }
    let written = this.encoder.encode(record, this.batch, this.batchBytes);
    if (written < 0) {
      this.flush();
      written = this.encoder.encode(record, this.batch, 0);
      if (written < 0) {
        this.sink.write(formatAuditLine(record)); // a line larger than a batch goes on its own
        return;
      }
    }
    this.batchBytes += written;
  }

  flush(): void {
    if (this.batchBytes === 0) return;
    const written = this.batch;
    const chunk = written.subarray(0, this.batchBytes);
    // The sink may hold the chunk until it is written, so the next batch is another buffer.
    this.batch = this.spares.pop() ?? Buffer.allocUnsafe(BATCH_BYTES);
    this.batchBytes = 0;
    this.sink.write(chunk, () => {
      if (this.spares.length < SPARE_BATCHES) this.spares.push(written);
    });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.flush();
    await this.onClose?.();
  }
}
