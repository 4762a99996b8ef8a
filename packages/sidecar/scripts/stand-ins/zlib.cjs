// node:zlib as the AWS SDK files see it (scripts/bundle.mjs): `crc32`, which loads node:zlib at its first call.
// The SDK's checksum code reads zlib.crc32 at import, while no Secrets Manager, STS or SSM operation has a checksum
// to compute; loading node:zlib costs about 1.1 MB of resident memory on Node 24.
'use strict';

let zlib;

exports.crc32 = function crc32(data, value) {
  zlib ??= process.getBuiltinModule('node:zlib');
  return zlib.crc32(data, value);
};
