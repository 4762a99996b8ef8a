/** `latchkey audit`: checks every stored secret's metadata (never its value) and reports what needs attention. */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsClientConfig } from '../upstream/aws.js';
import {
  buildReport,
  collectSecretFacts,
  failsAt,
  formatTable,
  SEVERITIES,
  type Severity,
} from './account-audit/index.js';
import { loadReaderConfig, READER_HELP, READER_OPTIONS } from './reader.js';
import { type CommandIO, parse, printedHelp, stringValue, UsageError } from './usage.js';

export const AUDIT_HELP = `Usage: latchkey audit [options]

Audit every secret in the account and region (ListSecrets, DescribeSecret, GetResourcePolicy; values are never
read): rotation disabled, overdue or stuck; not read for N days; scheduled for deletion; a resource policy open to
any principal or another account; no customer-managed KMS key.

      --json                  print the report as JSON (for pipelines)
      --fail-on <severity>    exit 3 when a finding is at this severity or above: ${SEVERITIES.join(', ')}
      --unused-days <n>       report secrets not read for n days (default 90)
${READER_HELP}
  -h, --help                  this help

Exit status: 0 done, 3 findings at or above --fail-on, 1 error, 2 usage error.`;

/** Exit status when `--fail-on` trips, kept apart from 1 (the audit itself failed) and 2 (a usage error). */
const FINDINGS_EXIT = 3;

function positiveInteger(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new UsageError(`latchkey audit: --${flag} must be a whole number of at least 1, not '${raw}'`);
  return Number(raw);
}

export async function runAudit(argv: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parse(
    'audit',
    argv,
    {
      json: { type: 'boolean' },
      'fail-on': { type: 'string' },
      'unused-days': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...READER_OPTIONS,
    },
    false,
  );
  if (printedHelp(parsed, AUDIT_HELP, io)) return 0;
  const failOn = stringValue(parsed, 'fail-on');
  if (failOn !== undefined && !SEVERITIES.includes(failOn as Severity)) {
    throw new UsageError(`latchkey audit: --fail-on takes one of ${SEVERITIES.join(', ')}, not '${failOn}'`);
  }
  const unusedDays = positiveInteger(stringValue(parsed, 'unused-days'), 'unused-days', 90);

  const client = new SecretsManagerClient(awsClientConfig(loadReaderConfig(parsed, io)));
  // A progress line only for people watching a terminal, and only when there is enough to wait for.
  const terminal = (io.stderr as NodeJS.WriteStream).isTTY === true;
  const onProgress = (done: number, total: number) => {
    if (terminal && total >= 20)
      io.stderr.write(done === total ? '\r\x1b[K' : `\raudited ${done}/${total} secrets`);
  };
  try {
    const secrets = await collectSecretFacts(client, { onProgress });
    const report = buildReport(secrets, { now: new Date(), unusedDays });
    io.stdout.write(
      parsed.values.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatTable(report),
    );
    return failOn !== undefined && failsAt(report, failOn as Severity) ? FINDINGS_EXIT : 0;
  } finally {
    client.destroy();
  }
}
