import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileSink } from '../../src/audit/file-sink.js';

describe('audit file sink', () => {
  it('appends chunks in order, acknowledging each once it is written', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'latchkey-sink-')), 'audit.jsonl');
    const errors: Error[] = [];
    const sink = FileSink.append(path, (error) => errors.push(error));
    const chunks = Array.from({ length: 500 }, (_, n) => `${n}:`.padEnd(1 + ((n * 37) % 3000), 'x'));
    const acknowledged: number[] = [];
    for (const [n, chunk] of chunks.entries()) {
      sink.write(n % 2 === 0 ? chunk : Buffer.from(chunk), () => acknowledged.push(n));
    }
    // Closing twice waits for the same queue and closes the file once.
    await Promise.all([sink.close(), sink.close()]);
    expect(errors).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe(chunks.join(''));
    expect(acknowledged).toEqual(chunks.map((_, n) => n));
  });

  it('reports a chunk it cannot write, still acknowledges it, and goes on to the next', async () => {
    const errors: NodeJS.ErrnoException[] = [];
    const sink = FileSink.append('/dev/full', (error) => errors.push(error));
    let acknowledged = 0;
    for (let n = 0; n < 3; n++) sink.write(`line ${n}\n`, () => acknowledged++);
    await sink.close();
    expect(errors.map((error) => error.code)).toEqual(['ENOSPC', 'ENOSPC', 'ENOSPC']);
    expect(acknowledged).toBe(3);
  });

  it('writes the audit log to stdout when the path is -, every line by the time it closes', () => {
    const auditLog = fileURLToPath(new URL('../../src/audit/audit-log.ts', import.meta.url));
    const script = `
      const { AuditLog } = await import(${JSON.stringify(auditLog)});
      const log = AuditLog.open('-', (error) => { throw error; });
      for (let n = 0; n < 200; n++) log.write({ time: '2026-11-28T12:00:00.000Z', request_id: 'r-' + n, client: 'default',
        route: 'get', method: 'GET', secret_id: 's', decision: 'allow', status: 200, cache: 'hit', latency_ms: 0.1 });
      await log.close();`;
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    const lines = stdout.trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line).request_id)).toEqual(
      Array.from({ length: 200 }, (_, n) => `r-${n}`),
    );
  });
});
