import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** Single-file bundles (esbuild, as Lambda builds use): the bundle runs from a folder with no node_modules and no
 * package.json, so anything the SDK read from disk at run time would be missing. */
const run = promisify(execFile);
const sdkDir = fileURLToPath(new URL('../..', import.meta.url));
const APP = `
import { AgentSource, SDK_VERSION, SecretsCache, UpstreamUnavailableError } from '@latchkey/sdk';

async function main() {
  // Port 1 on loopback refuses the connection: AgentSource loads its HTTP client and reports the failure.
  const cache = new SecretsCache({ source: new AgentSource({ endpoint: 'http://127.0.0.1:1', token: 't' }) });
  const error = await cache.get('app/key').catch((e) => e);
  await cache.close();
  const reason = error instanceof UpstreamUnavailableError ? error.reason : String(error);
  console.log(JSON.stringify({ version: SDK_VERSION, error: reason }));
}
main(); // no top-level await: a CommonJS bundle has none
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-bundle-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it.each(['esm', 'cjs'] as const)(
  'a %s bundle of an app importing @latchkey/sdk runs with plain node',
  async (format) => {
    const outfile = join(dir, format === 'esm' ? 'app.mjs' : 'app.cjs');
    const appFile = join(dir, 'app.ts');
    await writeFile(appFile, APP);
    await build({
      entryPoints: [appFile],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format,
      logLevel: 'silent',
      // The sources, as the other tests use them (the published entry points compile from them one to one).
      alias: { '@latchkey/sdk': join(sdkDir, 'src/index.ts') },
      // The AWS SDK and pino are CommonJS: an ESM bundle needs `require` for their Node built-ins (esbuild's recipe).
      banner:
        format === 'esm'
          ? {
              js: "import { createRequire as bannerRequire } from 'node:module'; const require = bannerRequire(import.meta.url);",
            }
          : {},
    });
    const { stdout } = await run(process.execPath, [outfile], { cwd: dir, timeout: 20_000 });
    const { version } = JSON.parse(await readFile(join(sdkDir, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(JSON.parse(stdout)).toEqual({ version, error: 'network' });
  },
);
