import { createRequire } from 'node:module';

/** This package's version (read from package.json, which sits one level above both src/ and dist/). */
export const SDK_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;
