// node:worker_threads as pino sees it (scripts/bundle.mjs): `isMainThread`, which pino reads at import (to flush an
// asynchronous destination at exit on the main thread only). A worker thread has node:worker_threads loaded by the
// time its code runs, so where it is not loaded yet, this is the main thread and it need not be: it costs about
// 0.3 MB of resident memory on Node 24.
'use strict';

exports.isMainThread =
  !process.moduleLoadList.includes('NativeModule worker_threads') ||
  process.getBuiltinModule('node:worker_threads').isMainThread;
