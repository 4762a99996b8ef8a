import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

// The CLI is tested as users run it: the built bin (`npx tsc -b` first).
const bin = fileURLToPath(new URL('../../dist/bin/latchkey-emulator.js', import.meta.url));
const children: ChildProcess[] = [];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-cli-'));
  await writeFile(join(dir, 'quota-seed.json'), JSON.stringify({ 'cli/quota': 'q' }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function start(args: string[]) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const endpoint = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`exited with ${code} before listening: ${stderr}`)));
  });
  // Runs that are expected to exit early never await the endpoint.
  endpoint.catch(() => undefined);
  return { child, endpoint, exited, output: () => ({ stdout, stderr }) };
}

const clientConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  maxAttempts: 1,
  credentials: { accessKeyId: 'AKIDCLI', secretAccessKey: 'secret' },
});
const client = (endpoint: string) => new SecretsManagerClient(clientConfig(endpoint));

describe('latchkey-emulator CLI', () => {
  it('--demo serves the demo secret and parameter, prints how to read them, and exits 0 on SIGTERM', async () => {
    const run = start(['--port', '0', '--demo']);
    const endpoint = await run.endpoint;
    const value = await client(endpoint).send(
      new GetSecretValueCommand({ SecretId: 'latchkey/demo/database' }),
    );
    expect(JSON.parse(value.SecretString!)).toMatchObject({ engine: 'postgres', username: 'latchkey_demo' });
    await expect
      .poll(() => run.output().stdout)
      .toContain('secretsmanager get-secret-value --secret-id latchkey/demo/database');
    expect(run.output().stdout).toContain(`--endpoint-url ${endpoint}`);
    expect(run.output().stdout).toContain('GetSecretValueCommand');
    const greeting = await new SSMClient(clientConfig(endpoint)).send(
      new GetParameterCommand({ Name: '/latchkey/demo/greeting' }),
    );
    expect(greeting.Parameter).toMatchObject({ Type: 'String', Value: 'Hello from the Latchkey emulator' });
    expect(run.output().stdout).toContain('ssm get-parameter --name /latchkey/demo/greeting');
    // The instructions show how to read the secret, never its value.
    expect(run.output().stdout).not.toContain(JSON.parse(value.SecretString!).password);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('exits 0 on SIGINT, and keeps --data state across runs; --seed creates secrets', async () => {
    const dataFile = join(dir, 'cli-state.json');
    const seedFile = join(dir, 'seed.json');
    await writeFile(seedFile, JSON.stringify({ 'cli/plain': 'hello', 'cli/json': { user: 'u' } }));
    const first = start(['--port', '0', '--data', dataFile, '--seed', seedFile]);
    const endpoint = await first.endpoint;
    expect(
      (await client(endpoint).send(new GetSecretValueCommand({ SecretId: 'cli/json' }))).SecretString,
    ).toBe('{"user":"u"}');
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    const second = start(['--port', '0', '--data', dataFile]);
    const again = await second.endpoint;
    expect(
      (await client(again).send(new GetSecretValueCommand({ SecretId: 'cli/plain' }))).SecretString,
    ).toBe('hello');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('refuses a corrupt data file, naming it, with exit code 1', async () => {
    const dataFile = join(dir, 'corrupt.json');
    await writeFile(dataFile, '{not json');
    const run = start(['--port', '0', '--data', dataFile]);
    expect(await run.exited).toBe(1);
    expect(run.output().stderr).toContain(dataFile);
  });

  it('refuses a seed or data file that is not JSON without quoting the secrets in it', async () => {
    for (const flag of ['--seed', '--data']) {
      const file = join(dir, `broken${flag}.json`);
      await writeFile(file, '{"app/db": "Pw!9xQz#-seeded", ');
      const run = start(['--port', '0', flag, file]);
      expect(await run.exited).toBe(1);
      expect(run.output().stderr).toContain(`${file}`);
      expect(run.output().stderr).toContain('not valid JSON');
      expect(run.output().stderr).not.toContain('Pw!9xQz#');
    }
  });

  it('--quota-scale throttles beyond the scaled quota; a bad factor is named and exits 2', async () => {
    const run = start(['--port', '0', '--quota-scale', '0.0001', '--seed', join(dir, 'quota-seed.json')]);
    const endpoint = await run.endpoint;
    const get = () => client(endpoint).send(new GetSecretValueCommand({ SecretId: 'cli/quota' }));
    // 10,000/s × 0.0001 = 1 per second: of ten calls sent at once, most are refused.
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, get));
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(refused.length).toBeGreaterThanOrEqual(5);
    for (const outcome of refused) expect(outcome.reason.name).toBe('ThrottlingException');
    const bad = start(['--quota-scale', '-1']);
    expect(await bad.exited).toBe(2);
    expect(bad.output().stderr).toContain("'--quota-scale'");
  });

  it('a bad flag is named, points to --help, and exits 2; --help prints usage', async () => {
    const bad = start(['--prot', '4566']);
    expect(await bad.exited).toBe(2);
    expect(bad.output().stderr).toContain("'--prot'");
    expect(bad.output().stderr).toContain('--help');
    const badPort = start(['--port', 'abc']);
    expect(await badPort.exited).toBe(2);
    expect(badPort.output().stderr).toContain("'--port'");
    const help = start(['--help']);
    expect(await help.exited).toBe(0);
    expect(help.output().stdout).toContain('Usage: latchkey-emulator');
  });
});
