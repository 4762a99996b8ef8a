/**
 * Where audit batches go: a file descriptor (a file opened for appending, or stdout), written with `fs.write`, one
 * chunk at a time and in order. Not a Writable stream: a second kind of Writable in the process (next to the
 * sockets every response goes through) made Node's stream code polymorphic, and the sidecar answered about 6 %
 * fewer cache hits per second with its audit log on a write stream than on this sink.
 */
import { close, openSync, write } from 'node:fs';
import { promisify } from 'node:util';
import type { LineSink } from './audit-log.js';

/** A non-blocking descriptor that is full (a pipe whose reader is behind) is tried again after this long. */
const FULL_RETRY_MS = 10;
const STDOUT_FD = 1;

interface Pending {
  readonly data: Uint8Array;
  readonly written: (() => void) | undefined;
}

export class FileSink implements LineSink {
  private readonly fd: number;
  private readonly ownsFd: boolean;
  private readonly onError: (error: NodeJS.ErrnoException) => void;
  private readonly queue: Pending[] = [];
  private writing = false;
  private drained: (() => void) | undefined;
  private closed: Promise<void> | undefined;

  private constructor(fd: number, ownsFd: boolean, onError: (error: NodeJS.ErrnoException) => void) {
    this.fd = fd;
    this.ownsFd = ownsFd;
    this.onError = onError;
  }

  /** `path` opened for appending (created with mode 0600). A chunk that cannot be written is reported to
   * `onError` and dropped; the next one is still tried. */
  static append(path: string, onError: (error: NodeJS.ErrnoException) => void): FileSink {
    return new FileSink(openSync(path, 'a', 0o600), true, onError);
  }

  static stdout(onError: (error: NodeJS.ErrnoException) => void): FileSink {
    return new FileSink(STDOUT_FD, false, onError);
  }

  write(chunk: string | Uint8Array, written?: () => void): void {
    this.queue.push({ data: typeof chunk === 'string' ? Buffer.from(chunk) : chunk, written });
    if (!this.writing) this.next();
  }

  /** Resolves once every chunk given so far is written; then closes the file if this sink opened it. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      if (this.writing) await new Promise<void>((resolve) => (this.drained = resolve));
      if (this.ownsFd) await promisify(close)(this.fd);
    })();
    return this.closed;
  }

  private next(): void {
    const pending = this.queue[0];
    this.writing = pending !== undefined;
    if (pending === undefined) this.drained?.();
    else this.writeFrom(pending, 0);
  }

  private writeFrom(pending: Pending, offset: number): void {
    write(this.fd, pending.data, offset, pending.data.length - offset, null, (error, bytes) => {
      if (error?.code === 'EAGAIN') {
        setTimeout(() => this.writeFrom(pending, offset), FULL_RETRY_MS);
        return;
      }
      if (error !== null) this.onError(error);
      else if (offset + bytes < pending.data.length) {
        this.writeFrom(pending, offset + bytes);
        return;
      }
      this.queue.shift();
      pending.written?.();
      this.next();
    });
  }
}
