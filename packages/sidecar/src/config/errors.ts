/** A configuration problem, located: which file (or `environment`, `command line`), which key, and why. */
export class ConfigError extends Error {
  readonly code = 'ConfigError';
  readonly file: string;
  readonly key: string;
  readonly reason: string;

  constructor(file: string, key: string, reason: string) {
    super(`${file}: ${key}: ${reason}`);
    this.name = 'ConfigError';
    this.file = file;
    this.key = key;
    this.reason = reason;
  }
}
