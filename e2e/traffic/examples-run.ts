/**
 * The examples of examples/ under rotation: for each language, database (the password-checking PostgreSQL cluster
 * and the shared MariaDB) and strategy, a database secret of its own, the example querying with it through the
 * sidecar, and RotateSecret every few seconds. A rotation starts once the previous one has finished, the example has
 * queried since, and `rotateEveryMs` has passed. All cases run at once, on one sidecar with the agent's default TTL
 * (300 s): the examples ride through on the rotation-safe pattern, not on a short TTL.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { Database } from './databases.js';
import {
  type ExampleCommands,
  ExampleProcess,
  type Language,
  missingToolchain,
  prepareExamples,
} from './example-clients.js';
import { onStackAndDatabases, STRATEGIES } from './run.js';
import { createDatabaseSecret, rotateOnce, type Strategy } from './scenario.js';
import { SecretValues } from './secret-values.js';
import type { Stack } from './stack.js';
import { waitFor } from './wait.js';

export interface ExamplesOptions {
  readonly rotations: number;
  /** The least time between the starts of two rotations of a secret. */
  readonly rotateEveryMs: number;
  /** Languages to run; each must have its toolchain (see `missingToolchain`). */
  readonly languages: readonly Language[];
  /** The examples' pause between queries. */
  readonly queryIntervalMs: number;
  readonly progress?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export const EXAMPLES_DEFAULTS = { rotations: 10, rotateEveryMs: 2_000, queryIntervalMs: 100 } as const;

/** The sidecar's TTL in this run: the agent's default. */
const SIDECAR_TTL_SECONDS = 300;
/** A JVM compiling the single-file source on two busy cores takes a while to print its first line. */
const FIRST_QUERY_TIMEOUT_MS = 90_000;

export interface ExampleCase {
  readonly language: Language;
  readonly engine: Database['engine'];
  readonly strategy: Strategy;
  readonly rotationsRequested: number;
  /** Rotations that succeeded (the function's steps all passed). */
  readonly rotationsSucceeded: number;
  /** Why a rotation did not succeed, value-free. */
  readonly rotationErrors: readonly string[];
  readonly queries: number;
  /** Whether the example queried between every two rotations and after the last. */
  readonly queriedThroughout: boolean;
  /** The `query failed` lines. */
  readonly failures: readonly string[];
  readonly retries: number;
  /** The slowest query that needed retries minus the median query: what the pattern cost at worst. */
  readonly worstExtraMs: number;
  /** Everything the example printed, when it failed a query or stalled; empty otherwise. */
  readonly output: readonly string[];
}

export interface ExamplesReport {
  readonly options: Pick<ExamplesOptions, 'rotations' | 'rotateEveryMs' | 'queryIntervalMs'>;
  readonly cases: readonly ExampleCase[];
  readonly durationMs: number;
  /** How many passwords were known, and how many of them the examples printed. */
  readonly secretValuesKnown: number;
  readonly secretValuesInOutput: number;
}

/** The slowest query that needed retries, minus the median query. */
function worstExtra(queries: readonly { readonly ms: number; readonly retried: boolean }[]): number {
  const retried = queries.filter((query) => query.retried).map((query) => query.ms);
  if (retried.length === 0) return 0;
  const sorted = queries.map((query) => query.ms).sort((a, b) => a - b);
  return Math.max(0, Math.max(...retried) - sorted[Math.floor(sorted.length / 2)]!);
}

/** Adds the password AWSCURRENT holds now to the values the output must not contain. */
async function rememberPassword(stack: Stack, secretId: string, secrets: SecretValues): Promise<void> {
  const { SecretString } = await stack.secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
  secrets.add((JSON.parse(SecretString!) as { password: string }).password);
}

async function runCase(
  stack: Stack,
  db: Database,
  strategy: Strategy,
  language: Language,
  commands: ExampleCommands,
  secrets: SecretValues,
  allOutput: string[][],
  options: ExamplesOptions,
): Promise<ExampleCase> {
  const tag = `${language} ${db.engine}/${strategy}`;
  const secretId = await createDatabaseSecret(stack, db, strategy, secrets, `examples-${language}`);
  const example = new ExampleProcess(commands.command(language), {
    SECRETS_URL: stack.sidecarUrl,
    AWS_TOKEN: stack.sidecarToken,
    DB_SECRET_ID: secretId,
    QUERY_INTERVAL_MS: String(options.queryIntervalMs),
  });
  allOutput.push(example.lines);
  let succeeded = 0;
  let queriedThroughout = true;
  const rotationErrors: string[] = [];
  try {
    await waitFor(
      `${tag}: the first query`,
      () => example.queries > 0 || example.child.exitCode !== null,
      FIRST_QUERY_TIMEOUT_MS,
      options.signal,
    );
    if (example.queries === 0) throw new Error(`${tag} exited:\n${example.lines.join('\n')}`);
    for (let i = 1; i <= options.rotations; i++) {
      const startedAt = performance.now();
      const { versionId, status, error } = await rotateOnce(stack, db, secretId);
      await rememberPassword(stack, secretId, secrets);
      options.progress?.(`${tag}: rotation ${i} ${status} (version ${versionId.slice(0, 8)})`);
      if (status !== 'succeeded') {
        // Secrets Manager refuses the next rotation while this one's AWSPENDING remains: report this failure.
        rotationErrors.push(`rotation ${i} ${status}${error ? `: ${error}` : ''}`);
        break;
      }
      succeeded += 1;
      const finishedAt = performance.now();
      // The next rotation once the example has queried since this one, and not before rotateEveryMs.
      await waitFor(
        `${tag}: a query after rotation ${i}`,
        () => example.lastQueryAt > finishedAt && performance.now() - startedAt >= options.rotateEveryMs,
        30_000,
        options.signal,
      ).catch((failure: unknown) => {
        if (options.signal?.aborted) throw failure;
        queriedThroughout = false;
      });
    }
  } finally {
    await example.stop();
  }
  const clean = example.failures.length === 0 && queriedThroughout;
  return {
    language,
    engine: db.engine,
    strategy,
    rotationsRequested: options.rotations,
    rotationsSucceeded: succeeded,
    rotationErrors,
    queries: example.queries,
    queriedThroughout,
    failures: example.failures,
    retries: example.retries,
    worstExtraMs: worstExtra(example.queryTimes),
    output: clean ? [] : example.lines,
  };
}

export async function runExamplesUnderRotation(options: ExamplesOptions): Promise<ExamplesReport> {
  const startedAt = performance.now();
  for (const language of options.languages) {
    const missing = await missingToolchain(language);
    if (missing) throw new Error(`cannot run the ${language} example: ${missing}`);
  }
  const secrets = new SecretValues();
  const allOutput: string[][] = [];
  const commands = await prepareExamples(options.languages);
  let cases: ExampleCase[];
  try {
    ({ results: cases } = await onStackAndDatabases(
      { sidecarTtlSeconds: SIDECAR_TTL_SECONDS },
      secrets,
      (stack, db) =>
        STRATEGIES.flatMap((strategy) =>
          options.languages.map((language) =>
            runCase(stack, db, strategy, language, commands, secrets, allOutput, options),
          ),
        ),
    ));
  } finally {
    await commands.close();
  }
  return {
    options: {
      rotations: options.rotations,
      rotateEveryMs: options.rotateEveryMs,
      queryIntervalMs: options.queryIntervalMs,
    },
    cases,
    durationMs: performance.now() - startedAt,
    secretValuesKnown: secrets.size,
    secretValuesInOutput: secrets.countIn(allOutput.flat().join('\n')),
  };
}

/** What must not happen, as lines (empty = passed): a failed rotation or query, a stall, a printed password. */
export function checkExamples(report: ExamplesReport): string[] {
  const violations: string[] = [];
  for (const c of report.cases) {
    const tag = `${c.language} ${c.engine}/${c.strategy}`;
    if (c.rotationsSucceeded !== c.rotationsRequested)
      violations.push(`${tag}: ${c.rotationsSucceeded}/${c.rotationsRequested} rotations succeeded`);
    violations.push(...c.rotationErrors.map((error) => `${tag}: ${error}`));
    if (c.failures.length > 0)
      violations.push(`${tag}: ${c.failures.length} failed queries (first: ${c.failures[0]})`);
    if (!c.queriedThroughout) violations.push(`${tag}: stopped querying during the run`);
  }
  if (report.secretValuesKnown === 0) violations.push('no passwords were collected to check the output with');
  if (report.secretValuesInOutput > 0)
    violations.push(`${report.secretValuesInOutput} passwords appear in the examples' output`);
  return violations;
}

/** The table: language x strategy x database -> queries, failed, retries used, worst extra latency. */
export function formatExamples(report: ExamplesReport): string {
  const header = [
    'language',
    'database',
    'strategy',
    'rotations',
    'queries',
    'failed',
    'retries',
    'worst extra',
  ];
  const rows = report.cases.map((c) => [
    c.language,
    c.engine,
    c.strategy,
    `${c.rotationsSucceeded}/${c.rotationsRequested}`,
    `${c.queries}`,
    `${c.failures.length}`,
    `${c.retries}`,
    `${Math.round(c.worstExtraMs)} ms`,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  const { rotations, rotateEveryMs, queryIntervalMs } = report.options;
  return [
    `Examples under rotation: ${rotations} rotations per case, one at most every ${rotateEveryMs / 1000} s; a query every ${queryIntervalMs} ms on a new connection; sidecar ttl_seconds=${SIDECAR_TTL_SECONDS}; ${(report.durationMs / 1000).toFixed(1)} s`,
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    `passwords checked: ${report.secretValuesKnown}, printed by an example: ${report.secretValuesInOutput}`,
  ].join('\n');
}
