#!/usr/bin/env node
// Run by each package's prepack after `tsc -b`: deletes the dist/ files whose source is gone (tsc -b never removes
// the output of a deleted or renamed source), so a tarball packed from a working tree that has seen such a change
// holds no stale modules, nor maps naming sources it does not ship. Files that are not tsc's output (dist/bundle,
// .tsbuildinfo) are left alone, and nothing a current source compiles to is touched.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const OUTPUT = /\.(d\.ts\.map|d\.ts|js\.map|js)$/;

/** The source a dist file was compiled from: dist/a/b.js -> src/a/b.ts. */
function sourceOf(distFile) {
  return join('src', distFile.replace(OUTPUT, '.ts'));
}

function prune(dir) {
  for (const entry of readdirSync(join('dist', dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== 'bundle') prune(path);
    } else if (OUTPUT.test(entry.name) && !existsSync(sourceOf(path))) {
      rmSync(join('dist', path));
      // stderr: stdout is the JSON of `npm pack --json`, which this must not break.
      console.error(`prune-dist: removed dist/${relative('.', path)} (no ${sourceOf(path)})`);
    }
  }
}

if (existsSync('dist')) prune('');
