// node:fs/promises as the AWS SDK files see it (scripts/bundle.mjs): `readFile`, through the callback API. The SDK
// reads its shared config files and token files with it; node:fs/promises also loads Node's file watchers and
// readline, about 1.5 MB of resident memory on Node 24.
'use strict';

const { readFile } = require('node:fs');
const { promisify } = require('node:util');

exports.readFile = promisify(readFile);
