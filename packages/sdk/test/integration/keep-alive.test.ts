import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const index = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

/** A script whose only pending work is a cold read waiting for the cache's next probe (the upstream is down). */
const SCRIPT = `
const { SecretsCache, UpstreamUnavailableError } = await import(${JSON.stringify(index)});
const source = {
  getSecretValue: async () => {
    throw new UpstreamUnavailableError('connect ECONNREFUSED', 'network');
  },
};
const cache = new SecretsCache({ source });
await cache.get('db').catch(() => {});
await cache.get('db').catch((error) => console.log('second read:', error.code));
`;

it('a cold read waiting for the next probe keeps the process alive until it is answered', async () => {
  // The cache's own timers never keep a process alive; this one has a caller waiting on it. Without that, Node
  // ended the script with exit code 13 (a top-level await left unfinished) and printed nothing.
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
    timeout: 20_000,
  });
  expect(stdout.trim()).toBe('second read: UpstreamUnavailableError');
});
