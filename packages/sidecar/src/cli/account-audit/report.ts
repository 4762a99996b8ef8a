/** Turns findings into a report: severity counts, the table for people, and the exit decision. */
import { auditSecret } from './checks.js';
import { type AuditOptions, type AuditReport, SEVERITIES, type SecretFacts, type Severity } from './types.js';

const rank = (severity: Severity) => SEVERITIES.indexOf(severity);

export function buildReport(secrets: readonly SecretFacts[], options: AuditOptions): AuditReport {
  const findings = secrets
    .flatMap((facts) => auditSecret(facts, options))
    .sort((a, b) => rank(b.severity) - rank(a.severity) || a.secret.localeCompare(b.secret));
  const counts = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
  for (const finding of findings) counts[finding.severity]++;
  return { auditedAt: options.now.toISOString(), secrets: secrets.length, findings, counts };
}

/** True when a finding is at or above `threshold`: `--fail-on` turns that into a non-zero exit. */
export function failsAt(report: AuditReport, threshold: Severity): boolean {
  return report.findings.some((finding) => rank(finding.severity) >= rank(threshold));
}

export function formatTable(report: AuditReport): string {
  const rows = report.findings.map((f) => [f.severity.toUpperCase(), f.secret, f.check, f.detail]);
  const table = [['SEVERITY', 'SECRET', 'CHECK', 'DETAIL'], ...rows];
  const widths = [0, 1, 2].map((column) => Math.max(...table.map((row) => row[column]!.length)));
  const lines = rows.length
    ? table.map((row) =>
        row
          .map((cell, column) => cell.padEnd(widths[column] ?? 0))
          .join('  ')
          .trimEnd(),
      )
    : ['No findings.'];
  const summary = [...SEVERITIES]
    .reverse()
    .map((severity) => `${report.counts[severity]} ${severity}`)
    .join(', ');
  lines.push('', `${report.secrets} secrets audited: ${summary}.`);
  return `${lines.join('\n')}\n`;
}
