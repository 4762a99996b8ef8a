/**
 * The stand-ins the bundle gives the AWS SDK files in place of node:zlib and node:fs/promises, and the logger in place
 * of node:assert and node:worker_threads (scripts/stand-ins/): each answers as the real module does, loads nothing of
 * it until it must, and the bundle gives one only to the modules it was checked against.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isMainThread, Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const scripts = fileURLToPath(new URL('../../scripts/', import.meta.url));
const require = createRequire(import.meta.url);
const zlibStandIn = require(`${scripts}stand-ins/zlib.cjs`) as { crc32: typeof crc32 };
const fsStandIn = require(`${scripts}stand-ins/fs-promises.cjs`) as { readFile: typeof readFile };
const assertStandIn = require(`${scripts}stand-ins/assert.cjs`) as (value: unknown, message: string) => void;
const workerThreadsStandIn = `${scripts}stand-ins/worker-threads.cjs`;
const dir = mkdtempSync(join(tmpdir(), 'latchkey-stand-ins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Whether requiring the stand-in, then running `use`, loads the builtin `module` (a fresh node process). */
async function loads(standIn: string, use: string, module: string): Promise<boolean> {
  const script = `const m = require(${JSON.stringify(`${scripts}stand-ins/${standIn}`)}); Promise.resolve(${use}).then(() => console.log(process.moduleLoadList.includes(${JSON.stringify(`NativeModule ${module}`)})));`;
  const { stdout } = await run(process.execPath, ['-e', script]);
  return stdout.trim() === 'true';
}

describe('the zlib stand-in', () => {
  it('computes what zlib.crc32 computes, continuing from a previous value too', () => {
    for (const data of ['', 'hello', 'é€😀', Buffer.from([0, 255, 1, 128]), new Uint8Array(70_000).fill(7)]) {
      expect(zlibStandIn.crc32(data)).toBe(crc32(data));
      expect(zlibStandIn.crc32(data, 12345)).toBe(crc32(data, 12345));
    }
  });

  it('loads node:zlib only at its first call', async () => {
    expect(await loads('zlib.cjs', 'undefined', 'zlib')).toBe(false);
    expect(await loads('zlib.cjs', "m.crc32('x')", 'zlib')).toBe(true);
  });
});

describe('the fs/promises stand-in', () => {
  it('reads as fs/promises readFile does: text, bytes, and the same error for a missing file', async () => {
    const file = join(dir, 'config');
    writeFileSync(file, '[default]\nregion = eu-west-1 ✓\n');
    expect(await fsStandIn.readFile(file, 'utf8')).toBe(await readFile(file, 'utf8'));
    expect(await fsStandIn.readFile(file)).toEqual(await readFile(file));
    const missing = join(dir, 'missing');
    const [standIn, real] = await Promise.all(
      [fsStandIn.readFile(missing, 'utf8'), readFile(missing, 'utf8')].map((read) =>
        read.then(
          () => undefined,
          (error: NodeJS.ErrnoException) => ({ code: error.code, path: error.path }),
        ),
      ),
    );
    expect(standIn).toEqual({ code: 'ENOENT', path: missing });
    expect(standIn).toEqual(real);
  });

  it('never loads node:fs/promises', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'x');
    expect(await loads('fs-promises.cjs', `m.readFile(${JSON.stringify(file)})`, 'fs/promises')).toBe(false);
  });
});

describe('the assert stand-in', () => {
  it('passes what assert passes and throws what assert throws', () => {
    expect(() => assertStandIn(true, 'never')).not.toThrow();
    const thrown = (check: () => void) => {
      try {
        check();
      } catch (error) {
        return { type: (error as Error).constructor.name, message: (error as Error).message };
      }
      return undefined;
    };
    const real = thrown(() => require('node:assert')(false, 'sonic.fd must be a number, got string'));
    expect(real).toEqual({ type: 'AssertionError', message: 'sonic.fd must be a number, got string' });
    expect(thrown(() => assertStandIn(false, 'sonic.fd must be a number, got string'))).toEqual(real);
  });

  it('loads node:assert only when a check fails', async () => {
    expect(await loads('assert.cjs', "m(1 === 1, 'x')", 'assert')).toBe(false);
    expect(await loads('assert.cjs', "(() => { try { m(false, 'x') } catch {} })()", 'assert')).toBe(true);
  });
});

describe('the worker_threads stand-in', () => {
  it('says whether this is the main thread, as worker_threads does, on the main thread and in a worker', async () => {
    expect(require(workerThreadsStandIn).isMainThread).toBe(isMainThread);
    expect(isMainThread).toBe(true);
    const inWorker = await new Promise((resolve, reject) => {
      // The stand-in is asked before the worker's own code loads node:worker_threads.
      const worker = new Worker(
        `const { isMainThread } = require(${JSON.stringify(workerThreadsStandIn)});
         require('node:worker_threads').parentPort.postMessage(isMainThread);`,
        { eval: true },
      );
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(inWorker).toBe(false);
  });

  it('does not load node:worker_threads on the main thread', async () => {
    expect(await loads('worker-threads.cjs', 'm.isMainThread', 'worker_threads')).toBe(false);
  });
});

it('the bundle gives a stand-in only to the modules it was checked against', async () => {
  const script = `
    import { build } from 'esbuild';
    import { sdkStandIns } from ${JSON.stringify(`${scripts}bundle.mjs`)};
    const { outputFiles } = await build({ stdin: { contents: "require('node:zlib').gzipSync('x')", sourcefile: 'elsewhere.js' },
      bundle: true, platform: 'node', write: false, logLevel: 'silent', plugins: [sdkStandIns] });
    console.log(outputFiles[0].text.includes('require("node:zlib")'), outputFiles[0].text.includes('stand-ins'));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: scripts });
  expect(stdout.trim()).toBe('true false');
});
