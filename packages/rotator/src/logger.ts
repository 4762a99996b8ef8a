import { type DestinationStream, type Logger, pino } from 'pino';

/**
 * Secret values never reach the logger: the rotator logs ids, user names, hosts and error codes only. The
 * redaction list is a second line of defence should an object carrying one ever be logged.
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'SecretString',
  '*.SecretString',
  'RotationToken',
  '*.RotationToken',
  'RandomPassword',
  '*.RandomPassword',
];

export function createLogger(
  destination?: DestinationStream,
  level = process.env.LOG_LEVEL ?? 'info',
): Logger {
  const options = {
    name: 'latchkey-rotator',
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
