/**
 * What a run must show, as a list of violations (empty = it passed), and the printed table. The test, the
 * script and the benchmark all use these, so the expectations are written once.
 */
import type { Failure } from './clients.js';
import type { TrafficReport } from './run.js';
import type { RotationRecord, ScenarioReport } from './scenario.js';

/** finishSecret -> the sidecar client receiving the new version, per rotation (ms). */
export function pickupLatencies(scenarios: readonly ScenarioReport[]): number[] {
  return scenarios.flatMap((scenario) =>
    scenario.rotations.flatMap((rotation) =>
      rotation.sidecarSeenAt !== undefined && rotation.finishSecretDoneAt !== undefined
        ? [rotation.sidecarSeenAt - rotation.finishSecretDoneAt]
        : [],
    ),
  );
}

export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

/**
 * A failure of the sidecar client is inside a rotation window when it used the credentials of a version that a
 * later rotation had already replaced in the database (its setSecret had started) and the client had not yet
 * received that rotation's version from the sidecar. Anything else (another error, current credentials refused)
 * is outside.
 */
export function insideRotationWindow(scenario: ScenarioReport, failure: Failure): boolean {
  const chain = [scenario.initialVersionId, ...scenario.rotations.map((rotation) => rotation.versionId)];
  const index = failure.versionId === undefined ? -1 : chain.indexOf(failure.versionId);
  const replacing: RotationRecord | undefined = index < 0 ? undefined : scenario.rotations[index];
  return (
    failure.auth &&
    replacing?.setSecretStartedAt !== undefined &&
    failure.at >= replacing.setSecretStartedAt &&
    (replacing.sidecarSeenAt === undefined || failure.at <= replacing.sidecarSeenAt)
  );
}

export interface CheckOptions {
  /** Each client of each scenario must have run at least this many queries (no vacuous pass). */
  readonly minQueriesPerClient: number;
}

export interface CheckResult {
  /** What must not happen. */
  readonly violations: string[];
}

export function checkReport(report: TrafficReport, options: CheckOptions): CheckResult {
  const violations: string[] = [];
  const fail = (tag: string, what: string) => violations.push(`${tag}: ${what}`);
  for (const scenario of report.scenarios) {
    const tag = `${scenario.engine}/${scenario.strategy}`;
    if (scenario.rotations.length !== scenario.rotationsRequested) {
      fail(tag, `${scenario.rotations.length} rotations ran, ${scenario.rotationsRequested} were requested`);
    }
    scenario.rotations.forEach((rotation, i) => {
      const which = `rotation ${i + 1}`;
      if (rotation.status !== 'succeeded') fail(tag, `${which} ${rotation.status}: ${rotation.error ?? ''}`);
      if (!rotation.currentChanged) fail(tag, `${which} did not move AWSCURRENT to a new password`);
      if (!rotation.userAsExpected)
        fail(tag, `${which} did not keep/switch the user as ${scenario.strategy} does`);
      if (rotation.sidecarSeenAt === undefined)
        fail(tag, `${which}: the sidecar never served the new version`);
    });
    for (const [client, counts, key] of [
      ['SDK app', scenario.sdkApp, 'app'],
      ['sidecar client', scenario.sidecarClient, 'sidecarClient'],
    ] as const) {
      if (counts.queries < options.minQueriesPerClient) {
        fail(tag, `the ${client} ran ${counts.queries} queries, fewer than ${options.minQueriesPerClient}`);
      }
      // Traffic flowed across every rotation: more queries after each one, and after the last.
      const sequence = [
        scenario.warmUpQueries[key],
        ...scenario.rotations.map((rotation) => rotation.queriesSoFar[key]),
        counts.queries,
      ];
      const stalled = sequence.findIndex((count, i) => i > 0 && count <= sequence[i - 1]!);
      const label = (i: number) =>
        i === 0 ? 'the warm-up' : i < sequence.length - 1 ? `rotation ${i}` : 'the end of the run';
      if (stalled > 0)
        fail(tag, `the ${client} ran no query between ${label(stalled - 1)} and ${label(stalled)}`);
    }
    const app = scenario.sdkApp.failures;
    const sidecar = scenario.sidecarClient.failures;
    // The pool helpers hide every refused login, single user included (they fall back to AWSPENDING in the window).
    if (app.length > 0) fail(tag, `the SDK app saw ${app.length} failed queries (${codes(app)})`);
    if (scenario.strategy === 'alternating-users') {
      if (sidecar.length > 0)
        fail(tag, `the sidecar client saw ${sidecar.length} failed queries (${codes(sidecar)})`);
      continue;
    }
    const sidecarOutside = sidecar.filter((failure) => !insideRotationWindow(scenario, failure));
    if (sidecarOutside.length > 0) {
      fail(
        tag,
        `${sidecarOutside.length} sidecar client failures outside a rotation window (${codes(sidecarOutside)})`,
      );
    }
  }
  if (report.secretValuesKnown === 0)
    violations.push('no secret values were collected to check the logs with');
  if (report.secretValuesInLogs > 0)
    violations.push(`${report.secretValuesInLogs} secret values appear in the logs`);
  return { violations };
}

/** The outcome of the checks as printed lines: the violations, or "all checks passed". */
export function formatChecks({ violations }: CheckResult): string {
  return (
    violations.length === 0 ? ['all checks passed'] : ['FAILED:', ...violations.map((v) => `  ${v}`)]
  ).join('\n');
}

const codes = (failures: readonly Failure[]) =>
  [...new Set(failures.map((failure) => failure.code))].join(', ');

const ms = (value: number) => (Number.isNaN(value) ? '-' : `${Math.round(value)} ms`);

export function formatReport(report: TrafficReport): string {
  const rows = report.scenarios.map((scenario) => {
    const ok = scenario.rotations.filter(
      (rotation) => rotation.status === 'succeeded' && rotation.currentChanged,
    );
    const latencies = pickupLatencies([scenario]);
    const inWindow = scenario.sidecarClient.failures.filter((failure) =>
      insideRotationWindow(scenario, failure),
    );
    return [
      `${scenario.engine}/${scenario.strategy}`,
      `${ok.length}/${scenario.rotationsRequested}`,
      `${scenario.sdkApp.queries}`,
      `${scenario.sdkApp.connections}`,
      `${scenario.sdkApp.retries}`,
      `${scenario.sdkApp.failures.length}`,
      `${scenario.sidecarClient.queries}`,
      `${scenario.sidecarClient.connections}`,
      `${scenario.sidecarClient.failures.length} (${inWindow.length})`,
      ms(percentile(latencies, 0.5)),
      ms(Math.max(...latencies)),
    ];
  });
  const header = [
    'engine/strategy',
    'rotated',
    'app queries',
    'app reconnects',
    'app retries',
    'app failures',
    'sidecar-client queries',
    'connections',
    'failures (in window)',
    'finish->sidecar p50',
    'max',
  ];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
  const all = pickupLatencies(report.scenarios);
  return [
    `Rotation under live traffic: ${report.rotationsPerScenario} rotations per engine and strategy, sidecar ttl_seconds=${report.sidecarTtlSeconds}, ${(report.durationMs / 1000).toFixed(1)} s`,
    line(header),
    ...rows.map(line),
    `finishSecret -> sidecar serving the new version, all ${all.length} rotations: p50 ${ms(percentile(all, 0.5))}, max ${ms(Math.max(...all))}`,
    `secret values checked: ${report.secretValuesKnown}, found in logs: ${report.secretValuesInLogs} (log lines: ${Object.entries(
      report.logLines,
    )
      .map(([log, lines]) => `${log} ${lines}`)
      .join(', ')})`,
  ].join('\n');
}
