/**
 * The npm packages as a user gets them: `npm pack` of each workspace, installed from the tarballs into an empty
 * project (dependencies from npm's cache or the registry), then the bins, an ESM import, a CommonJS require and a
 * TypeScript type-check, all on the Node that runs this test.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const WORKSPACES = ['emulator', 'sdk', 'rotator', 'sidecar'];

interface Packed {
  readonly name: string;
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

const work = mkdtempSync(join(tmpdir(), 'latchkey-packages-'));
const project = join(work, 'project');
let packed: Packed[];

/** The exact version the repository itself installed, so the project's install is served from npm's cache. */
function installedVersion(name: string): string {
  return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
}

function inProject(file: string, args: readonly string[]) {
  return run(file, args, { cwd: project, timeout: 60_000 });
}

beforeAll(async () => {
  const { stdout } = await run(
    'npm',
    ['pack', '--workspaces', '--json', '--silent', '--pack-destination', work],
    { cwd: root, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
  );
  packed = JSON.parse(stdout);
  await run('mkdir', [project]);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'uses-latchkey', private: true, type: 'module' }),
  );
  await inProject('npm', [
    'install',
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
    '--silent',
    ...packed.map((tarball) => join(work, tarball.filename)),
    `@types/pg@${installedVersion('@types/pg')}`,
    `@types/node@${installedVersion('@types/node')}`,
  ]);
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed npm packages', () => {
  it('hold LICENSE, README and their bins, no build info, and every source their maps name', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(WORKSPACES.map((w) => `@latchkey/${w}`).sort());
    for (const tarball of packed) {
      const paths = new Set(tarball.files.map((file) => file.path));
      expect(paths, tarball.name).toContain('LICENSE');
      expect(paths, tarball.name).toContain('README.md');
      expect(
        [...paths].filter((path) => path.endsWith('.tsbuildinfo')),
        tarball.name,
      ).toEqual([]);
      const workspace = join(root, 'packages', tarball.name.replace('@latchkey/', ''));
      for (const map of [...paths].filter((path) => path.endsWith('.map'))) {
        const { sources } = JSON.parse(readFileSync(join(workspace, map), 'utf8')) as { sources: string[] };
        for (const source of sources) {
          expect(paths, `${tarball.name}: ${map} names ${source}`).toContain(
            join(map, '..', source).replaceAll('\\', '/'),
          );
        }
      }
      const { bin = {} } = JSON.parse(readFileSync(join(workspace, 'package.json'), 'utf8'));
      for (const target of Object.values(bin) as string[]) expect(paths).toContain(target.replace('./', ''));
    }
  });

  it('install with working bins', async () => {
    const bin = (name: string) => join(project, 'node_modules', '.bin', name);
    const sdkVersion = installedVersion('@latchkey/sdk' as string);
    expect((await inProject(bin('latchkey'), ['--version'])).stdout.trim()).toBe(sdkVersion);
    expect((await inProject(bin('latchkey-emulator'), ['--help'])).stdout).toContain('latchkey-emulator');
    expect((await inProject(bin('latchkey-rotate'), ['--help'])).stdout).toContain('Usage: latchkey-rotate');
  });

  it('@latchkey/sdk loads with import and with require', async () => {
    const esm = await inProject(process.execPath, [
      '--input-type=module',
      '-e',
      "import { SecretsCache } from '@latchkey/sdk'; console.log(typeof SecretsCache);",
    ]);
    expect(esm.stdout.trim()).toBe('function');
    const cjs = await inProject(process.execPath, [
      '--input-type=commonjs',
      '-e',
      "const { SecretsCache } = require('@latchkey/sdk'); console.log(typeof SecretsCache);",
    ]);
    expect(cjs.stdout.trim()).toBe('function');
  });

  it('type-checks an app importing @latchkey/sdk/pg (with @types/pg installed)', async () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        files: ['app.ts'],
      }),
    );
    writeFileSync(
      join(project, 'app.ts'),
      [
        "import { SecretsCache } from '@latchkey/sdk';",
        "import { createPgPool } from '@latchkey/sdk/pg';",
        'const cache = new SecretsCache();',
        "export const pool = await createPgPool({ cache, secretId: 'prod/app/db', max: 5 });",
        "export const rows: Promise<number | null> = pool.query('select 1').then((result) => result.rowCount);",
        "// pg's own option types reach the app: a wrong type is an error (it would not be with pg untyped).",
        '// @ts-expect-error max is a number',
        "export const wrong = createPgPool({ cache, secretId: 'prod/app/db', max: 'five' });",
        '',
      ].join('\n'),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    await expect(inProject(process.execPath, [tsc, '-p', '.'])).resolves.toBeDefined();
  });
});
