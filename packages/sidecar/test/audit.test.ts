import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog, type AuditRecord } from '../src/audit/audit-log.js';

const record = (n: number): AuditRecord => ({
  time: new Date().toISOString(),
  request_id: `r-${n}`,
  client: 'default',
  route: 'get',
  method: 'GET',
  secret_id: `s/${n}`,
  decision: 'allow',
  status: 200,
  cache: 'hit',
  latency_ms: 0.1,
});

describe('audit log file', () => {
  it('appends one JSON line per record, creates its directory, mode 0600, and flushes on close', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'latchkey-audit-')), 'nested', 'audit.jsonl');
    const log = AuditLog.open(path);
    for (let n = 0; n < 3; n++) log.write(record(n));
    await log.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line).request_id)).toEqual(['r-0', 'r-1', 'r-2']);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = AuditLog.open(path);
    again.write(record(3));
    await again.close();
    expect(readFileSync(path, 'utf8').trimEnd().split('\n')).toHaveLength(4);
  });

  it('writes batches while the sidecar is busy, without waiting for close', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'latchkey-audit-')), 'audit.jsonl');
    const log = AuditLog.open(path, 50);
    log.write(record(1));
    await expect.poll(() => readFileSync(path, 'utf8'), { timeout: 5000 }).toContain('"r-1"');
    await log.close();
  });
});

describe('audit log batches', () => {
  it('keeps every line whole and in order, multi-byte ids and lines larger than a batch included', async () => {
    const chunks: (string | Uint8Array)[] = [];
    const log = new AuditLog({ write: (chunk) => chunks.push(chunk) }, { batched: true, flushMs: 60_000 });
    const ids = [
      'caf\u00e9/\u20ac',
      'big/'.padEnd(70_000, '\u00e9'),
      ...Array.from({ length: 600 }, (_, n) => `s/${n}`),
    ];
    for (const [n, id] of ids.entries()) log.write({ ...record(n), secret_id: id });
    await log.close();
    expect(chunks.length).toBeGreaterThan(2); // written in several batches, not per line
    const text = chunks.map((chunk) =>
      typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'),
    );
    const lines = text.join('').trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line).secret_id)).toEqual(ids);
  });
});

describe('audit time', () => {
  it('is what toISOString writes, across second, minute, hour, day and year boundaries', async () => {
    const { isoTime } = await import('../src/audit/audit-log.js');
    const starts = [
      0,
      Date.UTC(2026, 11, 31, 23, 58, 58, 990),
      Date.UTC(2024, 1, 28, 23, 59, 59, 0),
      Date.UTC(2026, 10, 28, 12, 9, 0, 0),
    ];
    for (const start of starts) {
      for (let ms = start; ms < start + 125_000; ms += 7) {
        const expected = new Date(ms).toISOString();
        if (isoTime(ms) !== expected) expect(isoTime(ms)).toBe(expected);
      }
    }
    // Out of order too (the per-minute prefix is recomputed, not assumed to move forward).
    for (const ms of [Date.UTC(2030, 0, 1, 0, 0, 1, 5), Date.UTC(2025, 5, 15, 8, 30, 59, 999), 1]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });
});

describe('audit line format', () => {
  it('is the JSON of the record, with strings escaped and absent fields left out', async () => {
    const { formatAuditLine } = await import('../src/audit/audit-log.js');
    const records: AuditRecord[] = [
      record(1),
      {
        ...record(2),
        client: null,
        secret_id: ['a', 'b"c'],
        cache: undefined,
        error: 'AccessDeniedException',
        decision: 'deny',
        status: 403,
      },
      {
        ...record(3),
        secret_id: 'we\u0000ird\n"id\\',
        client: 'team "a" \u00e9',
        version_stage: 'AWSPREVIOUS',
        version_id: 'v',
        role_arn: 'arn:aws:iam::1:role/x',
      },
    ];
    for (const entry of records) {
      const line = formatAuditLine(entry);
      expect(line.endsWith('\n')).toBe(true);
      const defined = Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined));
      expect(JSON.parse(line)).toEqual(defined);
    }
  });
});
