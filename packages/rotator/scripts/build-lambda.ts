/**
 * Bundles each Lambda handler with esbuild (everything included, so the deployed code does not depend on the
 * runtime's copy of the AWS SDK) and zips it as dist-lambda/<fn>.zip with `index.js` at the root
 * (handler `index.handler`). Deterministic: fixed timestamps, so an unchanged build gives the same zip.
 *
 *   npm run build:lambda -w packages/rotator
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { zipSync } from 'fflate';

export const LAMBDA_FUNCTIONS = ['mysql', 'postgres'] as const;
export type LambdaFunction = (typeof LAMBDA_FUNCTIONS)[number];

const packageDir = fileURLToPath(new URL('..', import.meta.url));

export interface BuiltFunction {
  readonly name: LambdaFunction;
  readonly zipPath: string;
  readonly bundleBytes: number;
  readonly zipBytes: number;
}

/** Builds one function's bundle and zip into `outDir` (default dist-lambda). */
export async function buildLambda(
  name: LambdaFunction,
  outDir = join(packageDir, 'dist-lambda'),
): Promise<BuiltFunction> {
  const result = await build({
    entryPoints: [join(packageDir, 'src', 'handlers', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    // The oldest runtime the template allows (nodejs22.x; nodejs24.x is its default).
    target: 'node22',
    // CommonJS: the drivers are CommonJS and require() Node built-ins, which an ESM bundle cannot do.
    format: 'cjs',
    minify: true,
    // Error classes report their class name as `name`; minified names would not be stable.
    keepNames: true,
    sourcemap: false,
    legalComments: 'none',
    // pg loads pg-native only when asked to; it is not installed and never used.
    external: ['pg-native'],
    // The SDK's database-secret module is bundled from its sources, like ours, so no SDK build is needed first.
    alias: { '@latchkey/sdk/db': join(packageDir, '..', 'sdk', 'src', 'db.ts') },
    write: false,
    logLevel: 'warning',
  });
  const code = result.outputFiles[0]!.contents;
  // The DOS epoch start: a fixed timestamp keeps the zip byte-for-byte reproducible.
  const zip = zipSync({ 'index.js': [code, { level: 9, mtime: new Date('1980-01-01T00:00:00Z') }] });
  await mkdir(outDir, { recursive: true });
  const zipPath = join(outDir, `${name}.zip`);
  await writeFile(zipPath, zip);
  return { name, zipPath, bundleBytes: code.byteLength, zipBytes: zip.byteLength };
}

export async function buildAllLambdas(outDir?: string): Promise<BuiltFunction[]> {
  const built: BuiltFunction[] = [];
  for (const name of LAMBDA_FUNCTIONS) built.push(await buildLambda(name, outDir));
  return built;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const fn of await buildAllLambdas()) {
    console.log(
      `${fn.zipPath}: bundle ${(fn.bundleBytes / 1024).toFixed(0)} KiB, zip ${(fn.zipBytes / 1024).toFixed(0)} KiB`,
    );
  }
}
