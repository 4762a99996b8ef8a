// Bundle of the latchkey CLI (esbuild): dist/bundle/latchkey.cjs runs with plain `node`, no node_modules, with the
// AWS SDK clients in files beside it (AWS_SDK_FILES below). Used by the Dockerfile. `node scripts/bundle.mjs` (or `npm run bundle -w @latchkey/sidecar`).
// The Lambda layer (scripts/build-layer.mjs) bundles its own entry point with the same settings.
//
// CommonJS, not ESM: on Node 22 and 24 an ES module's `import ... from 'node:http'` builds the module's ESM facade,
// which reads every export, and node:http's lazy WebSocket/fetch exports load Node's internal undici, TLS, HTTP/2,
// zlib and worker_threads with it: about 12 MB of resident memory and 100 ms of start-up before any code of ours
// runs (measured with a bare node:http server: 60.1 MB as ESM, 46.9 MB as CommonJS, Node 24). require() does not.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** @latchkey/sdk reads its version from its package.json at run time, which a bundle cannot; inline it. */
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
 * its default metrics, which runtime-metrics.ts replaces; its Summary (with tdigest and bintrees) and its cluster
 * AggregatorRegistry are not used. pino's transports (logger.ts writes to a destination stream) load thread-stream,
 * node:worker_threads, node:module and node:assert. Each is code the Lambda extension's Init would parse and run.
 */
const LEFT_OUT = [
  /[\\/]prom-client[\\/]lib[\\/]pushgateway\.js$/,
  /[\\/]prom-client[\\/]lib[\\/]defaultMetrics\.js$/,
  /[\\/]prom-client[\\/]lib[\\/]summary\.js$/,
  /[\\/]prom-client[\\/]lib[\\/]cluster\.js$/,
  /[\\/]pino[\\/]lib[\\/]transport\.js$/,
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

/**
 * Node's HTTP/2 module, in the AWS SDK files only. The SDK's HTTP handler package loads `node:http2` at import for
 * its HTTP/2 handler, which only event-stream clients use; Secrets Manager, STS, SSM and the credential providers
 * talk HTTP/1.1 through its `NodeHttpHandler`. Left out, a sidecar holding 1000 secrets was about 3 MB smaller on
 * Node 24 (bench/sidecar.bench.ts: +39.0 to +40.9 MB against +42.2 to +43.8 MB, three runs each), 0.5 MB on Node 22.
 * The stand-in has what the handler package reads at import (`constants`) and throws if an HTTP/2 session is ever
 * asked for.
 */
const withoutHttp2 = {
  name: 'without-http2',
  setup(builder) {
    builder.onResolve({ filter: /^(node:)?http2$/ }, () => ({ path: 'http2', namespace: 'left-out' }));
    builder.onLoad({ filter: /.*/, namespace: 'left-out' }, () => ({
      contents: `exports.constants = {}; exports.connect = function connect() { throw new Error('node:http2 is not in the latchkey bundle'); };`,
      loader: 'js',
    }));
  },
};

/**
 * Node modules that a dependency loads at import but uses one or two things of, replaced for that dependency by a
 * stand-in with just those (scripts/stand-ins/, each saying what it saves; a test checks each against the real
 * module). A stand-in is only right for the modules it was checked against, so only they get it: any other importer
 * (undici's files import node:assert too, for example) gets the real module.
 */
const SDK_STAND_INS = [
  {
    module: /^(node:)?zlib$/,
    file: 'zlib.cjs',
    // zlib.crc32, read at import.
    importers: [/[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]checksum[\\/]crc32[\\/]Crc32Node\.js$/],
  },
  {
    module: /^(node:)?fs\/promises$/,
    file: 'fs-promises.cjs',
    // readFile: the shared config and SSO token files, and the container credentials' token file.
    importers: [
      /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]config[\\/]shared-ini-file-loader[\\/](readFile|getSSOTokenFromFile)\.js$/,
      /[\\/]@aws-sdk[\\/]credential-provider-http[\\/]dist-cjs[\\/]index\.js$/,
    ],
  },
];

/** The same for the bundle's own code: the logger's dependencies. */
const MAIN_STAND_INS = [
  {
    module: /^(node:)?assert$/,
    file: 'assert.cjs',
    // assert(value, message), one check of a file descriptor.
    importers: [/[\\/]sonic-boom[\\/]index\.js$/],
  },
  {
    module: /^(node:)?worker_threads$/,
    file: 'worker-threads.cjs',
    // isMainThread, read at import.
    importers: [/[\\/]pino[\\/]lib[\\/]tools\.js$/],
  },
];

/** An esbuild plugin giving each of `standIns` to the importers it was checked against. */
export function withStandIns(standIns) {
  return {
    name: 'with-stand-ins',
    setup(builder) {
      for (const { module, file, importers } of standIns) {
        builder.onResolve({ filter: module }, (args) =>
          importers.some((importer) => importer.test(args.importer))
            ? { path: `${root}scripts/stand-ins/${file}` }
            : undefined,
        );
      }
    },
  };
}
export const sdkStandIns = withStandIns(SDK_STAND_INS);
export const mainStandIns = withStandIns(MAIN_STAND_INS);

/**
 * The AWS SDK clients our code imports go to files of their own beside the bundle, each read only when one of its
 * clients is first loaded. Source text costs resident memory whether or not it runs: V8 keeps the text and what it
 * learnt parsing it (on Node 24, a bare node:http server carrying 1.7 MB of never-called code held 7.1 MB more), and
 * the clients are about two thirds of the sidecar's code. Secrets Manager and STS (the credential check at `serve`
 * start-up) share a file; the Parameter Store client and the credential providers (a credentials file, assumed
 * roles), which few sidecars load, have one each, with their own copy of the SDK's core. None of our code tests an
 * AWS SDK class with instanceof, so the files need not share anything.
 */
const AWS_SDK_FILES = {
  'aws-sdk.cjs': ['@aws-sdk/client-secrets-manager', '@aws-sdk/client-sts'],
  'aws-sdk-ssm.cjs': ['@aws-sdk/client-ssm'],
  'aws-sdk-credentials.cjs': ['@aws-sdk/credential-providers'],
};
export const AWS_SDK_FILE_NAMES = Object.keys(AWS_SDK_FILES);

const awsSdkFromItsFile = {
  name: 'aws-sdk-from-its-file',
  setup(builder) {
    const fileOf = new Map(
      Object.entries(AWS_SDK_FILES).flatMap(([file, packages]) => packages.map((name) => [name, file])),
    );
    builder.onResolve({ filter: /^@aws-sdk\// }, (args) =>
      fileOf.has(args.path) ? { path: args.path, namespace: 'aws-sdk' } : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: 'aws-sdk' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(`./${fileOf.get(args.path)}`)})[${JSON.stringify(args.path)}];`,
      loader: 'js',
    }));
    builder.onResolve({ filter: /^\.\/aws-sdk[\w-]*\.cjs$/ }, (args) => ({
      path: args.path,
      external: true,
    }));
  },
};

/** The options every file is built with. */
const COMMON = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  // The runtime the image and the self-contained Lambda layers ship. Syntax stays as written (ES2022), and CI runs
  // the bundle on Node 20 and 22 too.
  target: 'node24',
  // The text and what V8 keeps from parsing it are resident for the process's life. Whitespace only here, so our
  // code's names stay in stack traces; the AWS SDK files are minified further below.
  minifyWhitespace: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
};

/** Bundles `entry` (a path under src/) into `outfile`, and the AWS SDK clients into AWS_SDK_FILE_NAMES beside it. */
export async function bundle(entry, outfile) {
  await Promise.all([
    build({
      ...COMMON,
      entryPoints: [`${root}${entry}`],
      outfile,
      plugins: [inlineSdkVersion, sdkWithoutSideEffects, leaveOut, awsSdkFromItsFile, mainStandIns],
    }),
    ...Object.entries(AWS_SDK_FILES).map(([file, packages]) =>
      build({
        ...COMMON,
        // Each client is evaluated when first asked for.
        stdin: {
          contents: packages
            .map(
              (name) =>
                `Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, get: () => require(${JSON.stringify(name)}) });`,
            )
            .join('\n'),
          resolveDir: root,
          sourcefile: file,
        },
        outfile: join(dirname(outfile), file),
        // Names and syntax minified too: the SDK names its errors, commands and clients with string fields
        // (`name = "ResourceNotFoundException"`, the command's and client's names in its middleware context), never
        // by class name. aws-sdk.cjs goes from 854 to 478 KB, and a sidecar holding 1000 secrets is about 0.6 MB
        // smaller on Node 24.
        minifyIdentifiers: true,
        minifySyntax: true,
        plugins: [withoutHttp2, sdkStandIns],
      }),
    ),
  ]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundle('src/bin/latchkey.ts', `${root}dist/bundle/latchkey.cjs`);
}
