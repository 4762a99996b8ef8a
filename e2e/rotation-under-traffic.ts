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

const report = await runRotationUnderTraffic({
  rotations,
  sidecarTtlSeconds,
  progress: (line) => console.log(line),
});
const printed = formatReport(report);
const checks = checkReport(report, TRAFFIC_DEFAULTS);
if (report.countSecretsIn(printed) > 0)
  checks.violations.push('a secret value appears in the printed report');
console.log(`\n${printed}\n\n${formatChecks(checks)}`);
process.exitCode = checks.violations.length === 0 ? 0 : 1;
