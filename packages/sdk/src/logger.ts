/** The part of a pino logger the SDK uses: structured fields first, then the message. Pass a pino logger or a
 * child of one. The SDK never passes a secret value to it, only ids, version ids, stages and error codes. */
export interface Logger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

const ignore = (): void => {};

/** The default: logs nothing. */
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
