/**
 * Structured JSON logs (pino). Secret values are kept out by construction: nothing logs a SecretValue, and errors
 * go through a serializer that keeps only their type, code and message (SDK errors never hold values; their
 * `cause`, which may carry raw upstream responses, is dropped). Redaction of value-shaped fields is a second net.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config/schema.js';

export type { Logger };

/** pino's number for `debug`: `logger.levelVal <= DEBUG_LEVEL` is a cheaper `isLevelEnabled('debug')` (a getter
 * against a lookup in the level table and a comparator call), for checks made on every request. */
export const DEBUG_LEVEL = pino.levels.values.debug as number;

export interface LoggerOptions {
  readonly level: LogLevel;
  /** A file path, or undefined for stderr. */
  readonly file?: string;
  readonly destination?: DestinationStream;
}

function serializeError(error: unknown): Record<string, unknown> {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const { name, message, upstreamCode, httpStatus, secretId, code, reason } = error as Record<
    string,
    unknown
  >;
  return { type: name, message, code, upstreamCode, httpStatus, secretId, reason };
}

export function createLogger(options: LoggerOptions): Logger {
  // Synchronous: logs are few (per-request lines only at debug level), and none is lost when the process exits.
  const destination =
    options.destination ??
    pino.destination({ dest: options.file ?? 2, sync: true, mkdir: options.file !== undefined });
  return pino(
    {
      level: options.level === 'none' ? 'silent' : options.level,
      base: { service: 'latchkey-sidecar' },
      serializers: { err: serializeError, error: serializeError },
      redact: {
        paths: [
          'SecretString',
          'SecretBinary',
          '*.SecretString',
          '*.SecretBinary',
          'value',
          '*.value',
          'token',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
