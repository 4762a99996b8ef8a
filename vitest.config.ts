import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, so a change is tested without a rebuild.
    // `@latchkey/x` maps to packages/x/src/index.ts, `@latchkey/x/sub` to packages/x/src/sub.ts.
    alias: [
      { find: /^@latchkey\/([a-z-]+)$/, replacement: `${packagesDir}$1/src/index.ts` },
      { find: /^@latchkey\/([a-z-]+)\/(.+)$/, replacement: `${packagesDir}$1/src/$2.ts` },
    ],
  },
  test: {
    // Two projects, one layout: test/unit/ and test/integration/ in each package and at the root (cross-package).
    // A unit test needs no database, spawns no process and builds nothing; the only servers it talks to are
    // loopback servers it starts in its own process (the emulator, a sidecar, a stub), so `npm run test:unit`
    // (`vitest run --project unit --maxWorkers=100%`) runs anywhere in seconds. Everything else is an integration
    // test. The script asks for a worker a core, not vitest's default of one fewer: unit files spend much of their
    // time waiting on timers and loopback sockets, so the other worker's file has the core meanwhile. (Not set
    // here: the two projects of `npm test` share one pool and must agree on it.)
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{packages/*/,}test/unit/**/*.test.ts'],
          // The files of a worker share one module graph: the AWS SDK and the sources load once a worker, not
          // once a file (that was most of the unit project's time). So a file leaves nothing behind: stubbed
          // environment variables and globals are put back after each test, and a file that patches a shared
          // module (aws-sdk-client-mock on a client class) undoes it in its afterAll.
          isolate: false,
          unstubEnvs: true,
          unstubGlobals: true,
        },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['{packages/*/,}test/integration/**/*.test.ts'] },
      },
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
    // Tests never reach AWS: fixed dummy credentials, a fixed region, and no instance-metadata lookups.
    env: {
      AWS_ACCESS_KEY_ID: 'AKIDLATCHKEYTEST',
      AWS_SECRET_ACCESS_KEY: 'latchkey-test-secret-key',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      // The AWS SDK warns once per process that its 2027 releases need Node 22; that is for users, not test logs.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
