/**
 * `npm run e2e`: rotation under live traffic against the real databases, printing the counts and latencies and
 * exiting 1 when a check fails. Options: --rotations <n> (per engine and strategy), --sidecar-ttl-seconds <s>.
 */
import { parseArgs } from 'node:util';
import { checkReport, formatChecks, formatReport } from './traffic/report.js';
import { runRotationUnderTraffic, TRAFFIC_DEFAULTS } from './traffic/run.js';

const { values } = parseArgs({
  options: {
    rotations: { type: 'string', default: String(TRAFFIC_DEFAULTS.rotations) },
    'sidecar-ttl-seconds': { type: 'string', default: String(TRAFFIC_DEFAULTS.sidecarTtlSeconds) },
  },
});
const rotations = Number(values.rotations);
const sidecarTtlSeconds = Number(values['sidecar-ttl-seconds']);
if (
  !Number.isInteger(rotations) ||
  rotations < 1 ||
  !Number.isInteger(sidecarTtlSeconds) ||
  sidecarTtlSeconds < 1
) {
  console.error('usage: npm run e2e -- [--rotations <n >= 1>] [--sidecar-ttl-seconds <s >= 1>]');
  process.exit(2);
}

// Ctrl-C ends the run after the rotations in progress and still drops the users and stops the PostgreSQL cluster.
// Repeated signals are ignored meanwhile: under `npm run e2e` one Ctrl-C arrives twice (terminal and npm).
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) return;
  console.log('interrupted: finishing the rotations in progress and cleaning up');
  interrupt.abort(new Error('interrupted'));
});
const report = await runRotationUnderTraffic({
  rotations,
  sidecarTtlSeconds,
  progress: (line) => console.log(line),
  signal: interrupt.signal,
}).catch((error: unknown) => {
  if (!interrupt.signal.aborted) throw error;
  console.log('stopped and cleaned up');
  process.exit(130);
});
const printed = formatReport(report);
const checks = checkReport(report, TRAFFIC_DEFAULTS);
if (report.countSecretsIn(printed) > 0)
  checks.violations.push('a secret value appears in the printed report');
console.log(`\n${printed}\n\n${formatChecks(checks)}`);
process.exitCode = checks.violations.length === 0 ? 0 : 1;
