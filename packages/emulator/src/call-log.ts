/** Per-operation call counters and a bounded log of recent requests, for tests to assert on. */

export interface RequestLogEntry {
  time: Date;
  service: 'secretsmanager' | 'sts';
  operation: string;
  /** The access key id from the request's SigV4 Authorization header. */
  accessKeyId?: string;
  /** Who that key belongs to: an IAM user ARN, or the assumed-role ARN for keys AssumeRole issued. */
  principalArn?: string;
  /** The SecretId (or CreateSecret's Name) exactly as the request gave it. */
  secretId?: string;
  status: number;
  /** The AWS error code answered, when the request failed. */
  errorType?: string;
}

export class CallLog {
  private readonly counts = new Map<string, number>();
  private readonly log: RequestLogEntry[] = [];

  constructor(private readonly limit: number) {}

  count(operation: string): void {
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
  }

  calls(): Record<string, number>;
  calls(operation: string): number;
  calls(operation?: string): number | Record<string, number> {
    if (operation !== undefined) return this.counts.get(operation) ?? 0;
    return Object.fromEntries(this.counts);
  }

  record(entry: RequestLogEntry): void {
    this.log.push(entry);
    if (this.log.length > this.limit) this.log.splice(0, this.log.length - this.limit);
  }

  /** The most recent requests, oldest first (at most `limit` of them). */
  get entries(): readonly RequestLogEntry[] {
    return this.log;
  }

  reset(): void {
    this.counts.clear();
    this.log.length = 0;
  }
}
