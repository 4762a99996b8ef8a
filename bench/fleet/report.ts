// Renders the fleet simulation's results as Markdown tables (printed by the bench, pasted into the README).
import type { ScenarioResult } from './scenarios.js';

const rate = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const count = (n: number) => Math.round(n).toLocaleString('en-US');
const seconds = (n: number | undefined) => (n === undefined ? 'never' : `${n.toFixed(0)} s`);

function row(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(header: string[], rows: string[]): string {
  return [row(header), row(header.map(() => '---')), ...rows].join('\n');
}

function simulated(result: ScenarioResult): string {
  return result.simulated === result.fleetSize
    ? count(result.simulated)
    : `${count(result.simulated)} (×${count(result.fleetSize / result.simulated)})`;
}

/** Steady state: calls per second by operation (mean / busiest minute), throttles, cost per month, failed reads. */
export function steadyTable(results: readonly ScenarioResult[]): string {
  return table(
    [
      'Client',
      'Pods simulated',
      'GetSecretValue/s mean (peak)',
      'DescribeSecret/s mean (peak)',
      'Throttled calls',
      'Cost per month',
      'Failed reads',
    ],
    results.map((r) =>
      row([
        r.policy,
        simulated(r),
        `${rate(r.operations.GetSecretValue.mean)} (${rate(r.operations.GetSecretValue.peak)})`,
        `${rate(r.operations.DescribeSecret.mean)} (${rate(r.operations.DescribeSecret.peak)})`,
        count(r.throttled),
        `$${count(r.costPerMonth)}`,
        count(r.failedCached + r.failedCold),
      ]),
    ),
  );
}

function convergence(r: ScenarioResult): string {
  const c = r.converge;
  if ('converged99' in c) return `99%: ${seconds(c.converged99)}, 100%: ${seconds(c.converged100)}`;
  if ('allReady' in c) return `all pods ready: ${seconds(c.allReady)}`;
  if ('lastStale' in c) {
    const last = Math.max(c.lastStale ?? 0, c.lastFailed ?? 0);
    return `last stale or failed read: ${seconds(last)} after recovery`;
  }
  return '';
}

/** The incidents: peak calls per second, throttles, failed reads (cached / cold), refused logins, convergence. */
export function incidentTable(results: readonly ScenarioResult[]): string {
  return table(
    [
      'Scenario',
      'Client',
      'Pods simulated',
      'Peak calls/s (Get / Describe / Batch)',
      'Throttled calls',
      'Failed reads: cached / cold',
      'Refused logins',
      'Convergence',
    ],
    results.map((r) => {
      const ops = r.operations;
      const cold =
        r.converge.coldFailedAfter !== undefined
          ? `${count(r.failedCold)} (${count(r.converge.coldFailedAfter)} made after recovery)`
          : count(r.failedCold);
      return row([
        r.scenario,
        r.policy,
        simulated(r),
        `${rate(ops.GetSecretValue.peak)} / ${rate(ops.DescribeSecret.peak)} / ${rate(ops.BatchGetSecretValue.peak)}`,
        count(r.throttled),
        `${count(r.failedCached)} / ${cold}`,
        count(r.refusedLogins),
        convergence(r),
      ]);
    }),
  );
}
