// Single-file bundle of the latchkey CLI (esbuild): dist/bundle/latchkey.cjs runs with plain `node`, no
// node_modules. Used by the Dockerfile. `node scripts/bundle.mjs` (or `npm run bundle -w @latchkey/sidecar`).
// The Lambda layer (scripts/build-layer.mjs) bundles its own entry point with the same settings.
//
// CommonJS, not ESM: on Node 22 and 24 an ES module's `import ... from 'node:http'` builds the module's ESM facade,
// which reads every export, and node:http's lazy WebSocket/fetch exports load Node's internal undici, TLS, HTTP/2,
// zlib and worker_threads with it: about 12 MB of resident memory and 100 ms of start-up before any code of ours
// runs (measured with a bare node:http server: 60.1 MB as ESM, 46.9 MB as CommonJS, Node 24). require() does not.
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

/**
 * Modules of CommonJS dependencies that the bundle never calls but that would load at start-up (esbuild cannot drop
 * an unused part of a CommonJS module): each is replaced by a function that throws. prom-client's index loads its
 * Pushgateway, which loads node:https (Node's TLS stack: about 5 MB of resident memory on Node 24) and node:zlib, and
 * its default metrics, which runtime-metrics.ts replaces.
 */
const LEFT_OUT = [
  /[\\/]prom-client[\\/]lib[\\/]pushgateway\.js$/,
  /[\\/]prom-client[\\/]lib[\\/]defaultMetrics\.js$/,
];

const leaveOut = {
  name: 'leave-out',
  setup(builder) {
    for (const filter of LEFT_OUT) {
      builder.onLoad({ filter }, (args) => ({
        contents: `module.exports = function leftOut() { throw new Error(${JSON.stringify(`${args.path.replace(/^.*node_modules[\\/]/, '')} is not in the latchkey bundle`)}); };`,
        loader: 'js',
      }));
    }
  },
};

/** Bundles `entry` (a path under src/) into the single file `outfile`. */
export function bundle(entry, outfile) {
  return build({
    entryPoints: [`${root}${entry}`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
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
    plugins: [inlineSdkVersion, sdkWithoutSideEffects, leaveOut],
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundle('src/bin/latchkey.ts', `${root}dist/bundle/latchkey.cjs`);
}
