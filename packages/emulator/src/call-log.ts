/** Per-operation call counters (all calls, and those refused by a rate quota) and a bounded log of recent requests,
 * for tests to assert on. */

export interface RequestLogEntry {
  time: Date;
  service: 'secretsmanager' | 'ssm' | 'sts';
  operation: string;
  /** The access key id from the request's SigV4 Authorization header. */
  accessKeyId?: string;
  /** Who that key belongs to: an IAM user ARN, or the assumed-role ARN for keys AssumeRole issued. */
  principalArn?: string;
  /** The SecretId (or CreateSecret's Name) exactly as the request gave it. */
  secretId?: string;
  /** For Parameter Store: the parameter Name exactly as the request gave it (with any selector). */
  parameterName?: string;
  status: number;
  /** The AWS error code answered, when the request failed. */
  errorType?: string;
}

export class CallLog {
  private readonly counts = new Map<string, number>();
  private readonly throttles = new Map<string, number>();
  private readonly log: RequestLogEntry[] = [];
  /** Where the oldest entry sits once the log is full. */
  private oldest = 0;

  constructor(private readonly limit: number) {}

  count(operation: string): void {
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
  }

  /** A call refused by a rate quota (it is counted by `count` too). */
  countThrottled(operation: string): void {
    this.throttles.set(operation, (this.throttles.get(operation) ?? 0) + 1);
  }

  calls(): Record<string, number>;
  calls(operation: string): number;
  calls(operation?: string): number | Record<string, number> {
    return tally(this.counts, operation);
  }

  throttled(): Record<string, number>;
  throttled(operation: string): number;
  throttled(operation?: string): number | Record<string, number> {
    return tally(this.throttles, operation);
  }

  record(entry: RequestLogEntry): void {
    // A ring buffer: recording stays O(1) however full the log is.
    if (this.log.length < this.limit) this.log.push(entry);
    else this.log[this.oldest] = entry;
    this.oldest = (this.oldest + 1) % this.limit;
  }

  /** The most recent requests, oldest first (at most `limit` of them); a copy. */
  get entries(): RequestLogEntry[] {
    if (this.log.length < this.limit) return [...this.log];
    return [...this.log.slice(this.oldest), ...this.log.slice(0, this.oldest)];
  }

  reset(): void {
    this.counts.clear();
    this.throttles.clear();
    this.log.length = 0;
    this.oldest = 0;
  }
}

function tally(counts: Map<string, number>, operation: string | undefined): number | Record<string, number> {
  return operation === undefined ? Object.fromEntries(counts) : (counts.get(operation) ?? 0);
}
