// Single-file bundle of the latchkey CLI (esbuild): dist/bundle/latchkey.mjs runs with plain `node`, no
// node_modules. Used by the Dockerfile. `node scripts/bundle.mjs` (or `npm run bundle -w @latchkey/sidecar`).
// The Lambda layer (scripts/build-layer.mjs) bundles its own entry point with the same settings.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** @latchkey/sdk reads its version from its package.json at run time, which a single file cannot; inline it. */
const inlineSdkVersion = {
  name: 'inline-sdk-version',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]sdk[\\/](dist|src)[\\/]version\.(js|ts)$/ }, () => {
      const { version } = JSON.parse(readFileSync(`${root}../sdk/package.json`, 'utf8'));
      return { contents: `export const SDK_VERSION = ${JSON.stringify(version)};`, loader: 'js' };
    });
  },
};

/**
 * @latchkey/sdk's modules have no import-time side effects, but its package.json does not say so; saying it here
 * lets esbuild drop the parts the sidecar does not use (AgentSource and its HTTP client), which would otherwise be
 * loaded at start-up and cost resident memory.
 */
const sdkWithoutSideEffects = {
  name: 'sdk-without-side-effects',
  setup(builder) {
    builder.onResolve({ filter: /^(\.\.?\/|@latchkey\/sdk)/ }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      const result = await builder.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolving',
      });
      if (result.errors.length > 0 || !/[\\/]packages[\\/]sdk[\\/]dist[\\/]/.test(result.path))
        return undefined;
      return { path: result.path, sideEffects: false };
    });
  },
};

/** Bundles `entry` (a path under src/) into the single file `outfile`. */
export function bundle(entry, outfile) {
  return build({
    entryPoints: [`${root}${entry}`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    // The runtime the image and the self-contained Lambda layers ship. Syntax stays as written (ES2022), and CI runs
    // the bundle on Node 20 and 22 too.
    target: 'node24',
    // Whitespace only: the bundle's text and what V8 keeps from parsing it are resident for the process's life (about
    // 3 MB less for 0.6 MB less text, so the lazily loaded SSM client costs nothing). Names stay (the SDK's error
    // classes name themselves after their class) and syntax stays as written.
    minifyWhitespace: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [inlineSdkVersion, sdkWithoutSideEffects],
    // CommonJS dependencies call require() for Node built-ins; give the ESM bundle one.
    banner: {
      js: "import { createRequire as __latchkeyCreateRequire } from 'node:module'; const require = __latchkeyCreateRequire(import.meta.url);",
    },
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundle('src/bin/latchkey.ts', `${root}dist/bundle/latchkey.mjs`);
}
