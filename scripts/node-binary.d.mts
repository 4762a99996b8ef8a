/** Types of node-binary.mjs (plain JavaScript so that it runs before anything is built). */

/** The exact releases CI tests on, by major version. */
export declare const PINNED_NODE_VERSIONS: Readonly<Record<string, string>>;

/** `24` -> the pinned 24.x release; an exact `x.y.z` is taken as given. */
export declare function resolveNodeVersion(versionOrMajor: string | number): string;

/** The path of `bin/node` for the release, platform and arch, fetched from the npm registry on first use. */
export declare function nodeBinary(options: {
  readonly version: string | number;
  readonly arch?: string;
  readonly platform?: string;
  readonly cacheDir?: string;
}): string;
