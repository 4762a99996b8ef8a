/** The client examples in examples/ (curl, Python standard library, Node fetch, Java java.net.http), run against the
 * sidecar on the emulator, as a user would run them. Java runs where a JDK is installed; under CI it must be. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from './support/stack.js';

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));
const java = ['/usr/bin/java', `${process.env.JAVA_HOME ?? ''}/bin/java`].find((path) => existsSync(path));
if (java === undefined && process.env.CI === 'true') throw new Error('CI needs a JDK to run examples/java');
let stack: Stack;
let name: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  stack = await startStack();
  name = stack.name('examples/db');
  await stack.create(name, JSON.stringify({ username: 'app', password: 'ex-pw' }));
  // The token through a file, the agent's file:// convention.
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'latchkey-examples-')), 'token');
  writeFileSync(tokenFile, `${stack.token}\n`);
  env = { PATH: process.env.PATH, LATCHKEY_URL: stack.url, AWS_TOKEN: `file://${tokenFile}` };
});
afterAll(async () => stack?.close());

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('client examples', () => {
  it('curl', async () => {
    const result = await run(join(examples, 'curl/get-secret.sh'), [name]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(JSON.parse(result.stdout).SecretString)).toEqual({
      username: 'app',
      password: 'ex-pw',
    });
    const missing = await run(join(examples, 'curl/get-secret.sh'), [stack.name('absent')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stdout).toContain('ResourceNotFoundException');
  });

  it('Python (standard library)', async () => {
    const result = await run('python3', [
      join(examples, 'python/get_secret.py'),
      name,
      '--json-key',
      'password',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('ex-pw');
    const missing = await run('python3', [join(examples, 'python/get_secret.py'), stack.name('absent')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('ResourceNotFoundException');
  });

  it('Node (fetch)', async () => {
    const result = await run(process.execPath, [join(examples, 'node/sidecar-client.mjs'), name]);
    expect(result.code, result.stderr).toBe(0);
    // It reports the secret without printing its value.
    expect(result.stdout).toMatch(
      new RegExp(`^${name} \\S+ length=${JSON.stringify({ username: 'app', password: 'ex-pw' }).length}\\n$`),
    );
    expect(result.stdout).not.toContain('ex-pw');
  });

  it.skipIf(java === undefined)('Java (java.net.http, single-file source)', async () => {
    const result = await run(java as string, [join(examples, 'java/SidecarClient.java'), name]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`^${name} \\S+ length=${JSON.stringify({ username: 'app', password: 'ex-pw' }).length}\\n$`),
    );
    expect(result.stdout).not.toContain('ex-pw');
    const missing = await run(java as string, [
      join(examples, 'java/SidecarClient.java'),
      stack.name('absent'),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('ResourceNotFoundException');
  });
});
