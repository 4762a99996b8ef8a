// node:assert as sonic-boom sees it (scripts/bundle.mjs): `assert(value, message)`, which loads node:assert only when
// the check fails, so that the real AssertionError is thrown. node:assert and the diff and colour code it loads cost
// about 0.2 MB of resident memory on Node 24, for one check of a file descriptor.
'use strict';

module.exports = function assert(value, message) {
  if (!value) process.getBuiltinModule('node:assert')(value, message);
};
