/**
 * Rotation under live traffic, the whole run: the stack (emulator + rotation functions + sidecar), both real
 * databases, and one scenario per engine and strategy, all four at once. Shared by the end-to-end test, the
 * `npm run e2e` script and the benchmark, which differ only in what they do with the report.
 */
import type { Logger } from '@latchkey/sdk';
import { type Database, startMariadb, startPostgres } from './databases.js';
import { runScenario, type ScenarioReport, type Strategy } from './scenario.js';
import { SecretValues } from './secret-values.js';
import { type Stack, type StackLogs, type StackOptions, startStack } from './stack.js';

export interface TrafficOptions {
  /** Rotations per engine and strategy. */
  readonly rotations: number;
  /** The sidecar's `ttl_seconds`. */
  readonly sidecarTtlSeconds: number;
  /** One line per rotation as it completes. */
  readonly progress?: (line: string) => void;
  /** Interrupts the run: each scenario stops after its rotation in progress, everything is cleaned up, and the run
   * rejects with the abort reason. */
  readonly signal?: AbortSignal;
}

export interface TrafficReport {
  readonly rotationsPerScenario: number;
  readonly sidecarTtlSeconds: number;
  readonly scenarios: readonly ScenarioReport[];
  readonly durationMs: number;
  /** Distinct passwords the run created or saw (database users, masters, every rotated version). */
  readonly secretValuesKnown: number;
  /** Lines each log received: the leak check below is only as good as what was logged. */
  readonly logLines: Readonly<Record<'rotator' | 'sidecar' | 'audit' | 'sdk', number>>;
  /** How many of them appear in the rotator's, the sidecar's, its audit and the SDK's log lines, or in progress. */
  readonly secretValuesInLogs: number;
  /** Checks other output (the printed report, a test's captured output) against the same passwords. */
  countSecretsIn(text: string): number;
}

/**
 * The defaults of the test, the script and the benchmark. ttl_seconds=2: the sidecar checks a secret's version
 * (one DescribeSecret) at most every 2 s, which bounds how long an agent client that never asks `refreshNow`
 * keeps using replaced credentials. The SDK's 5 s rotation polling only shortens TTLs longer than that.
 */
export const TRAFFIC_DEFAULTS = { rotations: 5, sidecarTtlSeconds: 2, minQueriesPerClient: 50 } as const;

export const STRATEGIES: readonly Strategy[] = ['single-user', 'alternating-users'];

/** The SDK's logger interface, writing JSON lines into memory. */
class LineLogger implements Logger {
  readonly lines: string[] = [];
  debug = (fields: object, message?: string) => this.#write('debug', fields, message);
  info = (fields: object, message?: string) => this.#write('info', fields, message);
  warn = (fields: object, message?: string) => this.#write('warn', fields, message);
  error = (fields: object, message?: string) => this.#write('error', fields, message);

  #write(level: string, fields: object, message?: string): void {
    this.lines.push(JSON.stringify({ level, ...fields, msg: message }));
  }
}

const lineCount = (text: string) => text.split('\n').filter(Boolean).length;

/**
 * Starts the stack and both databases (their masters' passwords go into `secrets`), runs the cases `each` gives for
 * each database, all at once and every one to its end even when another fails (so nothing is left querying at
 * shutdown), then stops everything. Rejects with the first case's failure.
 */
export async function onStackAndDatabases<T>(
  stackOptions: StackOptions,
  secrets: SecretValues,
  each: (stack: Stack, db: Database) => Promise<T>[],
): Promise<{ results: T[]; logs: StackLogs }> {
  const stack = await startStack(stackOptions);
  const databases: Database[] = [];
  let logs: StackLogs = { rotator: '', sidecar: '', audit: '' };
  let outcomes: PromiseSettledResult<T>[] = [];
  try {
    databases.push(await startPostgres());
    databases.push(await startMariadb());
    for (const db of databases) secrets.add(db.master.password);
    outcomes = await Promise.allSettled(databases.flatMap((db) => each(stack, db)));
  } finally {
    logs = await stack.stop();
    for (const db of databases) await db.close();
  }
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return { results: outcomes.map((outcome) => (outcome as PromiseFulfilledResult<T>).value), logs };
}

export async function runRotationUnderTraffic(options: TrafficOptions): Promise<TrafficReport> {
  const startedAt = performance.now();
  const secrets = new SecretValues();
  const sdkLogger = new LineLogger();
  const progressLines: string[] = [];
  const progress = (line: string) => {
    progressLines.push(line);
    options.progress?.(line);
  };

  const { results: scenarios, logs } = await onStackAndDatabases(
    { sidecarTtlSeconds: options.sidecarTtlSeconds },
    secrets,
    (stack, db) =>
      STRATEGIES.map((strategy) =>
        runScenario(stack, db, strategy, secrets, {
          rotations: options.rotations,
          pickupTimeoutMs: options.sidecarTtlSeconds * 3_000 + 10_000,
          sdkLogger,
          progress,
          signal: options.signal,
        }),
      ),
  );

  return {
    rotationsPerScenario: options.rotations,
    sidecarTtlSeconds: options.sidecarTtlSeconds,
    scenarios,
    durationMs: performance.now() - startedAt,
    secretValuesKnown: secrets.size,
    logLines: {
      rotator: lineCount(logs.rotator),
      sidecar: lineCount(logs.sidecar),
      audit: lineCount(logs.audit),
      sdk: sdkLogger.lines.length,
    },
    secretValuesInLogs: secrets.countIn(
      [logs.rotator, logs.sidecar, logs.audit, ...sdkLogger.lines, ...progressLines].join('\n'),
    ),
    countSecretsIn: (text) => secrets.countIn(text),
  };
}
