#!/usr/bin/env -S node --no-memory-reducer --max-semi-space-size=1 --no-maglev --v8-pool-size=1
import { main } from '../cli/main.js';
import { shortenNodeSupportWarning } from '../node-support.js';

shortenNodeSupportWarning();

// No top-level await: the single-file bundle is CommonJS (scripts/bundle.mjs says why).
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // Serve and dev wait for their own shutdown; anything left (timers, sockets) must not keep the process alive.
  process.exit();
});
