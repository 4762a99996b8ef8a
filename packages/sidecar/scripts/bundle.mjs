// Single-file bundle of the latchkey CLI (esbuild): dist/bundle/latchkey.mjs runs with plain `node`, no
// node_modules. Used by the Dockerfile. `node scripts/bundle.mjs` (or `npm run bundle -w @latchkey/sidecar`).
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

await build({
  entryPoints: [`${root}src/bin/latchkey.ts`],
  outfile: `${root}dist/bundle/latchkey.mjs`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [inlineSdkVersion],
  // CommonJS dependencies call require() for Node built-ins; give the ESM bundle one.
  banner: {
    js: "import { createRequire as __latchkeyCreateRequire } from 'node:module'; const require = __latchkeyCreateRequire(import.meta.url);",
  },
});
