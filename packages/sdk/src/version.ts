// A static JSON import, not a file read at run time: bundlers inline it, so a single-file bundle still knows the
// version. package.json sits one level above both src/ and dist/.
import packageJson from '../package.json' with { type: 'json' };

/** This package's version. */
export const SDK_VERSION: string = packageJson.version;
