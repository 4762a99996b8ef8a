/** Sinks that keep every line written, for asserting on audit and log output. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.js';

export class LineCapture {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(...line.split('\n').filter(Boolean));
  }
  get records(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

/** The sidecar's own logger (its serializers and redaction), writing into `capture`. */
export function captureLogger(capture: LineCapture): Logger {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      capture.write(chunk.toString('utf8'));
      callback();
    },
  });
  return createLogger({ level: 'debug', destination });
}
