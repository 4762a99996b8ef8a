import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { AuditRecord } from '../../src/audit/audit-line.js';
import { AuditLog } from '../../src/audit/audit-log.js';

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

const failOnError = (error: Error) => {
  throw error;
};

describe('audit log file', () => {
  it('appends one JSON line per record, creates its directory, mode 0600, and flushes on close', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'latchkey-audit-')), 'nested', 'audit.jsonl');
    const log = AuditLog.open(path, failOnError);
    for (let n = 0; n < 3; n++) log.write(record(n));
    await log.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line).request_id)).toEqual(['r-0', 'r-1', 'r-2']);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = AuditLog.open(path, failOnError);
    again.write(record(3));
    await again.close();
    expect(readFileSync(path, 'utf8').trimEnd().split('\n')).toHaveLength(4);
  });

  it('writes batches while the sidecar is busy, without waiting for close', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'latchkey-audit-')), 'audit.jsonl');
    const log = AuditLog.open(path, failOnError, 50);
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

describe('audit log batch buffers', () => {
  it('reuses a buffer the sink has finished with, and never one it still holds', async () => {
    const text: string[] = [];
    const buffers = new Set<ArrayBufferLike>();
    let held: { chunk: Uint8Array; copy: string; written?: () => void } | undefined;
    const log = new AuditLog(
      {
        write: (chunk, written) => {
          if (typeof chunk === 'string') return text.push(chunk);
          buffers.add(chunk.buffer);
          // The first chunk is held (not yet written) until the end; the rest are written at once.
          if (held === undefined) held = { chunk, copy: Buffer.from(chunk).toString('utf8'), written };
          else {
            text.push(Buffer.from(chunk).toString('utf8'));
            written?.();
          }
        },
      },
      { batched: true, flushMs: 60_000 },
    );
    const ids = Array.from({ length: 3000 }, (_, n) => `s/${n}`);
    for (const [n, id] of ids.entries()) log.write({ ...record(n), secret_id: id });
    await log.close();
    expect(held).toBeDefined();
    // The held chunk was not written over while the sink held it.
    expect(Buffer.from(held!.chunk).toString('utf8')).toBe(held!.copy);
    const lines = [held!.copy, ...text].join('').trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line).secret_id)).toEqual(ids);
    // Several batches, but only the held one and one or two in rotation were ever allocated.
    expect(text.length).toBeGreaterThan(5);
    expect(buffers.size).toBeLessThanOrEqual(3);
  });
});

describe('audit time', () => {
  it('is the wall clock as toISOString writes it, and moves with it', async () => {
    const { auditTime } = await import('../../src/audit/audit-line.js');
    const before = Date.now();
    const stamped = auditTime();
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(stamped)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(stamped)).toBeLessThanOrEqual(Date.now());
    // The wall clock jumps an hour ahead: the next line carries the new time.
    const stepped = Date.now() + 3_600_000;
    const now = vi.spyOn(Date, 'now').mockReturnValue(stepped);
    try {
      expect(auditTime()).toBe(new Date(stepped).toISOString());
    } finally {
      now.mockRestore();
    }
  });
});

describe('audit line format', () => {
  it('is the JSON of the record, with strings escaped and absent fields left out', async () => {
    const { formatAuditLine } = await import('../../src/audit/audit-line.js');
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

describe('audit line encoder', () => {
  it('writes the bytes formatAuditLine gives, for ids it keeps and for every irregular field', async () => {
    const { AuditLineEncoder, formatAuditLine, MIDDLE_FIELDS } = await import(
      '../../src/audit/audit-line.js'
    );
    const encoder = new AuditLineEncoder();
    const base = record(1);
    // A value for each field that differs from `base`'s, by how the field is written.
    const other = {
      plain: 'other',
      quoted: 'other "q"',
      number: 599,
      nullable: null,
      ids: 'other/id',
    } as const;
    // Each after `base`, so it differs from the kept middle's record in that one field, for every field there is.
    const variants: AuditRecord[] = [
      ...MIDDLE_FIELDS.map(([name, kind]) => ({ ...base, [name]: other[kind] }) as AuditRecord),
      { ...base, client: 'other' },
      { ...base, cache: 'miss', latency_ms: 120 },
      { ...base, cache: undefined },
      // Other secret ids, and fields the sidecar never makes, which go through the string formatter.
      { ...base, secret_id: ['a', 'b"c'], route: 'batch' },
      { ...base, secret_id: undefined },
      { ...base, secret_id: 'caf\u00e9/\u20ac "quoted" \\ \n' },
      { ...base, secret_id: 'long/'.padEnd(2000, 'x') },
      { ...base, request_id: 'r-\u00e9' },
      { ...base, request_id: 'r-"' },
      { ...base, latency_ms: 0.1234 },
      { ...base, latency_ms: 1e21 },
      { ...base, latency_ms: -1 },
      { ...base, latency_ms: Number.NaN },
      { ...base, latency_ms: 0 },
      { ...base, latency_ms: 0.007 },
      { ...base, latency_ms: 987654.321 },
      { ...base, latency_ms: 2147483.647 },
      { ...base, latency_ms: 2147483.648 },
      { ...base, time: new Date(0).toISOString() },
    ];
    const records = [
      base,
      { ...base, request_id: 'r-2', latency_ms: 12.05 },
      ...variants.flatMap((v) => [v, base]),
    ];
    const target = Buffer.alloc(8192, 0xff);
    for (const entry of records) {
      const expected = Buffer.from(formatAuditLine(entry));
      const written = encoder.encode(entry, target, 100);
      expect(target.subarray(100, 100 + written).toString('utf8')).toBe(expected.toString('utf8'));
      expect(written).toBe(expected.length);
    }
  });

  it('writes every latency the sidecar records as String(latency) does', async () => {
    const { AuditLineEncoder } = await import('../../src/audit/audit-line.js');
    const encoder = new AuditLineEncoder();
    const target = Buffer.alloc(512);
    for (let micros = 0; micros < 200_000; micros += 7) {
      const latency = Math.round(micros) / 1000;
      const written = encoder.encode({ ...record(1), latency_ms: latency }, target, 0);
      const line = target.subarray(0, written).toString('utf8');
      const text = line.slice(line.lastIndexOf(':') + 1, -2);
      if (text !== String(latency)) expect(text).toBe(String(latency));
    }
  });

  it('answers -1 when the line may not fit', async () => {
    const { AuditLineEncoder } = await import('../../src/audit/audit-line.js');
    const encoder = new AuditLineEncoder();
    const target = Buffer.alloc(300);
    expect(encoder.encode(record(1), target, 250)).toBe(-1);
    expect(encoder.encode(record(1), target, 0)).toBeGreaterThan(0);
  });
});
