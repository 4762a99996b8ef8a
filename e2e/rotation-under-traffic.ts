/**
 * `npm run e2e`: rotation under live traffic against the real databases, printing the counts and latencies and
 * exiting 1 when a check fails. Then the client examples (examples/) under rotation, each language whose toolchain
 * is installed. Options: --rotations <n> (per engine and strategy), --sidecar-ttl-seconds <s>,
 * --example-rotations <n> (per language, engine and strategy; 0 skips the examples).
 */
import { parseArgs } from 'node:util';
import { LANGUAGES, type Language, missingToolchain } from './traffic/example-clients.js';
import {
  checkExamples,
  EXAMPLES_DEFAULTS,
  formatExamples,
  runExamplesUnderRotation,
} from './traffic/examples-run.js';
import { checkReport, formatChecks, formatReport } from './traffic/report.js';
import { runRotationUnderTraffic, TRAFFIC_DEFAULTS } from './traffic/run.js';

const { values } = parseArgs({
  options: {
    rotations: { type: 'string', default: String(TRAFFIC_DEFAULTS.rotations) },
    'sidecar-ttl-seconds': { type: 'string', default: String(TRAFFIC_DEFAULTS.sidecarTtlSeconds) },
    'example-rotations': { type: 'string', default: String(EXAMPLES_DEFAULTS.rotations) },
  },
});
const rotations = Number(values.rotations);
const sidecarTtlSeconds = Number(values['sidecar-ttl-seconds']);
const exampleRotations = Number(values['example-rotations']);
if (
  !Number.isInteger(rotations) ||
  rotations < 1 ||
  !Number.isInteger(sidecarTtlSeconds) ||
  sidecarTtlSeconds < 1 ||
  !Number.isInteger(exampleRotations) ||
  exampleRotations < 0
) {
  console.error(
    'usage: npm run e2e -- [--rotations <n >= 1>] [--sidecar-ttl-seconds <s >= 1>] [--example-rotations <n >= 0>]',
  );
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
/** A run that rejects because of Ctrl-C has cleaned up: exit 130. Any other failure is rethrown. */
function exitIfInterrupted(error: unknown): never {
  if (!interrupt.signal.aborted) throw error;
  console.log('stopped and cleaned up');
  process.exit(130);
}

const report = await runRotationUnderTraffic({
  rotations,
  sidecarTtlSeconds,
  progress: (line) => console.log(line),
  signal: interrupt.signal,
}).catch(exitIfInterrupted);
const printed = formatReport(report);
const checks = checkReport(report, TRAFFIC_DEFAULTS);
if (report.countSecretsIn(printed) > 0)
  checks.violations.push('a secret value appears in the printed report');
console.log(`\n${printed}\n\n${formatChecks(checks)}`);

if (exampleRotations > 0 && !interrupt.signal.aborted) {
  const languages: Language[] = [];
  for (const language of LANGUAGES) {
    const missing = await missingToolchain(language);
    if (missing === undefined) languages.push(language);
    else
      console.log(
        `skipping the ${language} example: ${missing} (.ci/install-example-toolchains installs them)`,
      );
  }
  console.log(`\nthe client examples under rotation: ${languages.join(', ')}`);
  const examples = await runExamplesUnderRotation({
    ...EXAMPLES_DEFAULTS,
    rotations: exampleRotations,
    languages,
    progress: (line) => console.log(line),
    signal: interrupt.signal,
  }).catch(exitIfInterrupted);
  const violations = checkExamples(examples);
  console.log(`\n${formatExamples(examples)}\n\n${formatChecks({ violations })}`);
  checks.violations.push(...violations);
}
process.exitCode = checks.violations.length === 0 ? 0 : 1;
