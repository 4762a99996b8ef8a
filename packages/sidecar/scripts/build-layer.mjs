#!/usr/bin/env node
// Builds the Lambda layers of the Latchkey extension into dist/layer/ (or --out <dir>):
//   latchkey-extension-nodejs.zip   for nodejs22.x / nodejs24.x functions: runs on the runtime's own node
//   latchkey-extension-x86_64.zip   self-contained, any runtime: carries Node.js's official linux-x64 binary
//   latchkey-extension-arm64.zip    the same for linux-arm64
// Each unzips at /opt to extensions/latchkey (Lambda starts every file in /opt/extensions) and latchkey/ (the
// bundle with the AWS SDK clients it loads when first needed, and the Node binary with its LICENSE). Run after `tsc -b`:
//   npm run build:layer -w @latchkey/sidecar [-- --out <dir>] [--only nodejs,x86_64,arm64]
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { zipSync } from 'fflate';
import { nodeBinary, PINNED_NODE_VERSIONS } from '../../../scripts/node-binary.mjs';
import { bundle } from './bundle.mjs';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** The Node.js release the self-contained layers carry: the one CI tests on as Node 24 LTS. */
export const LAYER_NODE_VERSION = PINNED_NODE_VERSIONS[24];

/** Layer flavour -> the npm registry's Node package arch (none: the runtime's node). */
export const LAYER_FLAVOURS = { nodejs: undefined, x86_64: 'x64', arm64: 'arm64' };

/** Finds the layer's root from the script's own path (Lambda: /opt), so the layer runs wherever it is unpacked.
 * The function's NODE_OPTIONS are for the function (e.g. a --require of its tracer), not for the extension. Node
 * runs with a small young generation (--max-semi-space-size=1, as the container image: less resident memory, which
 * the function's memory size pays for) and --no-warnings (the extension logs warnings itself, as JSON). */
const PREAMBLE = `#!/bin/sh
# The Latchkey Lambda extension. Lambda starts every file in /opt/extensions; the layer's root is one folder up.
# Found with the shell's own string operations: a $(...) subshell and a dirname process would add to every cold start.
case $0 in */*) root=\${0%/*}/.. ;; *) root=.. ;; esac
unset NODE_OPTIONS
`;

const WRAPPERS = {
  nodejs: `${PREAMBLE}if ! command -v node >/dev/null 2>&1; then
  echo '{"level":60,"service":"latchkey-sidecar","msg":"no node on PATH: latchkey-extension-nodejs runs on the nodejs22.x and nodejs24.x runtimes; other runtimes need latchkey-extension-x86_64 or latchkey-extension-arm64"}'
  exit 1
fi
exec node --no-warnings --max-semi-space-size=1 "$root/latchkey/latchkey-extension.cjs"
`,
  selfContained: `${PREAMBLE}exec "$root/latchkey/node" --no-warnings --max-semi-space-size=1 "$root/latchkey/latchkey-extension.cjs"\n`,
};

/** The DOS epoch's start: fixed timestamps keep an unchanged build's zip byte-for-byte the same. */
const MTIME = new Date('1980-01-01T00:00:00Z');
const UNIX = 3;
const entry = (data, mode, level = 6) => [data, { level, os: UNIX, attrs: (mode << 16) >>> 0, mtime: MTIME }];
const directory = () => entry(new Uint8Array(0), 0o40755, 0);

/** The extension's bundle files (latchkey-extension.cjs and the AWS SDK clients beside it), by name. */
async function bundleExtension() {
  const work = await mkdtemp(join(tmpdir(), 'latchkey-layer-'));
  try {
    await bundle('src/bin/lambda-extension.ts', join(work, 'latchkey-extension.cjs'));
    const names = (await readdir(work)).sort();
    return Object.fromEntries(
      await Promise.all(names.map(async (name) => [name, await readFile(join(work, name))])),
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Builds the named flavours into `outDir`; returns each zip's path and sizes. */
export async function buildLayers({
  outDir = join(packageDir, 'dist', 'layer'),
  only = Object.keys(LAYER_FLAVOURS),
} = {}) {
  for (const flavour of only) {
    if (!(flavour in LAYER_FLAVOURS)) {
      throw new Error(
        `build-layer: unknown layer "${flavour}" (known: ${Object.keys(LAYER_FLAVOURS).join(', ')})`,
      );
    }
  }
  const code = await bundleExtension();
  await mkdir(outDir, { recursive: true });
  const built = [];
  for (const flavour of only) {
    const arch = LAYER_FLAVOURS[flavour];
    const files = {
      'extensions/': directory(),
      'extensions/latchkey': entry(
        new TextEncoder().encode(arch === undefined ? WRAPPERS.nodejs : WRAPPERS.selfContained),
        0o100755,
      ),
      'latchkey/': directory(),
      ...Object.fromEntries(
        Object.entries(code).map(([name, data]) => [`latchkey/${name}`, entry(data, 0o100644)]),
      ),
    };
    if (arch !== undefined) {
      const node = nodeBinary({ version: LAYER_NODE_VERSION, arch, platform: 'linux' });
      files['latchkey/node'] = entry(await readFile(node), 0o100755);
      files['latchkey/NODE-LICENSE'] = entry(await readFile(join(dirname(node), '..', 'LICENSE')), 0o100644);
    }
    const zip = zipSync(files);
    const path = join(outDir, `latchkey-extension-${flavour}.zip`);
    await writeFile(path, zip);
    const unzippedBytes = Object.values(files).reduce((sum, [data]) => sum + data.byteLength, 0);
    built.push({
      flavour,
      path,
      zipBytes: zip.byteLength,
      unzippedBytes,
      nodeVersion: arch && LAYER_NODE_VERSION,
    });
  }
  return built;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, only: { type: 'string' } } });
  const layers = await buildLayers({
    ...(values.out ? { outDir: values.out } : {}),
    ...(values.only ? { only: values.only.split(',') } : {}),
  });
  const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
  for (const layer of layers) {
    const node = layer.nodeVersion ? `, Node.js ${layer.nodeVersion}` : '';
    console.log(`${layer.path}: ${mb(layer.zipBytes)} zipped, ${mb(layer.unzippedBytes)} unzipped${node}`);
  }
}
