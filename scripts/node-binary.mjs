#!/usr/bin/env node
// Fetches an official Node.js binary from the npm registry, where each release is published as
// node-<platform>-<arch> (bin/node only), and unpacks it into a cache folder. Used by .ci/run to run the suite on
// every supported runtime, and by anything that must ship a specific Node (a Lambda layer, say).
//
//   node scripts/node-binary.mjs 24            -> path of the pinned Node 24 for this machine's platform and arch
//   node scripts/node-binary.mjs 24.22.3 arm64 -> path of that exact release for linux-arm64
//
// Plain JavaScript so that it runs with any Node before anything is built or installed; `npm pack` fetches through
// npm's own cache and checks the registry's integrity hash, so nothing else is downloaded.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The exact releases CI tests on, by major version (the machine's own Node is tested too). */
export const PINNED_NODE_VERSIONS = { 22: '22.23.5', 24: '24.22.3' };

/** `24` -> the pinned 24.x release; an exact `x.y.z` is taken as given. */
export function resolveNodeVersion(versionOrMajor) {
  const wanted = String(versionOrMajor).replace(/^v/, '');
  if (/^\d+\.\d+\.\d+$/.test(wanted)) return wanted;
  const pinned = PINNED_NODE_VERSIONS[wanted];
  if (!pinned) {
    const known = Object.keys(PINNED_NODE_VERSIONS).join(', ');
    throw new Error(
      `node-binary: "${versionOrMajor}" is neither an exact version nor a pinned major (${known})`,
    );
  }
  return pinned;
}

function defaultCacheDir() {
  return (
    process.env.LATCHKEY_NODE_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'latchkey', 'node')
  );
}

/**
 * Returns the path of `bin/node` for the given release, platform and arch, fetching and unpacking it on first use.
 * Safe to run concurrently: each fetch unpacks into its own folder and renames it into place.
 */
export function nodeBinary({
  version,
  arch = process.arch,
  platform = process.platform,
  cacheDir = defaultCacheDir(),
}) {
  const exact = resolveNodeVersion(version);
  const target = join(cacheDir, `v${exact}-${platform}-${arch}`);
  const binary = join(target, 'bin', 'node');
  if (existsSync(binary)) return binary;

  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, '.fetch-'));
  try {
    const spec = `node-${platform}-${arch}@${exact}`;
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', spec, '--json', '--silent', '--pack-destination', work], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    if (packed?.version !== exact) throw new Error(`node-binary: npm pack ${spec} gave ${packed?.id}`);
    execFileSync('tar', [
      '-xzf',
      join(work, packed.filename),
      '-C',
      work,
      'package/bin/node',
      'package/LICENSE',
    ]);
    try {
      renameSync(join(work, 'package'), target);
    } catch (error) {
      // Another fetch of the same release finished first: use its copy.
      if (!existsSync(binary)) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return binary;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [version, arch] = process.argv.slice(2);
  if (!version) {
    console.error('usage: node scripts/node-binary.mjs <major|x.y.z> [arch]');
    process.exit(2);
  }
  console.log(nodeBinary({ version, ...(arch ? { arch } : {}) }));
}
