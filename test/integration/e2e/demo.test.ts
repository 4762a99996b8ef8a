/**
 * `npm start` as a user meets it: the demo spawned as the start script runs it (`node --import tsx demo/start.ts`,
 * after the build `npm test` does first), on any free ports. It must print a working sidecar URL and token, rotate the demo
 * database secret while its app keeps querying, stop cleanly on SIGINT and SIGTERM (exit 0, demo user dropped),
 * and never print a secret value.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../support/ports.js';
import { postgresAvailable, SHARED_POSTGRES } from '../../support/services.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The demo process and everything it wrote to stdout and stderr. */
class Demo {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;
  #waiters: (() => void)[] = [];

  constructor(args: string[]) {
    this.child = spawn(
      process.execPath,
      ['--import', 'tsx', 'demo/start.ts', '--port', '0', '--emulator-port', '0', ...args],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
      for (const wake of this.#waiters.splice(0)) wake();
    };
    this.child.stdout!.on('data', collect);
    this.child.stderr!.on('data', collect);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** The first match of `pattern` in the output, waiting for it up to `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no ${pattern} in the demo's output:\n${this.output}`);
      }
      await new Promise<void>((wake) => {
        this.#waiters.push(wake);
        setTimeout(wake, deadline - Date.now());
      });
    }
  }

  /** Sends `signal` and resolves with the exit code (fails after `timeoutMs`). */
  async stop(signal: NodeJS.Signals, timeoutMs = 20_000): Promise<number | null> {
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the demo did not exit on ${signal}:\n${this.output}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

let running: Demo | undefined;
afterEach(async () => {
  if (running && running.child.exitCode === null && running.child.signalCode === null) {
    await running.stop('SIGTERM').catch(() => running?.child.kill('SIGKILL'));
  }
  running = undefined;
});

/** The sidecar URL and token the demo printed, checked with a real request (and one without the token). */
async function sidecarFromOutput(demo: Demo): Promise<{ url: string; apiKey: string }> {
  const [, url] = await demo.waitFor(/sidecar: (http:\/\/127\.0\.0\.1:\d+)\n/, 30_000);
  const [, token] = await demo.waitFor(/token: ([0-9a-f]{32})\n/, 1_000);
  expect(demo.output).toContain(
    `curl -H "X-Aws-Parameters-Secrets-Token: ${token}" "${url}/secretsmanager/get?`,
  );
  const get = `${url}/secretsmanager/get?secretId=demo/api-key`;
  const response = await fetch(get, { headers: { 'X-Aws-Parameters-Secrets-Token': token! } });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { Name: string; SecretString: string };
  expect(body.Name).toBe('demo/api-key');
  expect((await fetch(get)).status).toBe(403);
  return { url: url!, apiKey: body.SecretString };
}

/** Every password any version of demo/db has held, read from the emulator the demo printed. */
async function demoPasswords(demo: Demo): Promise<string[]> {
  const [, endpoint] = await demo.waitFor(/Secrets Manager emulator: (http:\/\/127\.0\.0\.1:\d+)\n/, 1_000);
  const sm = new SecretsManagerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDDEMOTEST', secretAccessKey: 'demo-test-secret-key' },
  });
  try {
    const { Versions = [] } = await sm.send(
      new ListSecretVersionIdsCommand({ SecretId: 'demo/db', IncludeDeprecated: true }),
    );
    const passwords: string[] = [];
    for (const { VersionId } of Versions) {
      const value = await sm.send(new GetSecretValueCommand({ SecretId: 'demo/db', VersionId }));
      passwords.push((JSON.parse(value.SecretString!) as { password: string }).password);
    }
    return passwords;
  } finally {
    sm.destroy();
  }
}

/** The error code of a login, or undefined when it worked. */
async function loginError(config: pg.ClientConfig): Promise<string | undefined> {
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function roleExists(name: string): Promise<boolean> {
  const client = new pg.Client(SHARED_POSTGRES);
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

const postgres = await postgresAvailable();

describe('npm start (the demo)', () => {
  it.skipIf(!postgres)(
    'rotates the demo database secret while the app keeps querying; SIGINT stops it cleanly, printing no secret',
    async () => {
      const demo = new Demo(['--rotate-every', '1']);
      running = demo;
      const { apiKey } = await sidecarFromOutput(demo);
      // The shared server trusts every local login, so the demo rotates on a private cluster that checks passwords.
      const [, user, port] = await demo.waitFor(
        /database user (latchkey_demo_[0-9a-f]+) on a private PostgreSQL cluster at 127\.0\.0\.1:(\d+) started for the demo \(scram-sha-256\), because PostgreSQL at 127\.0\.0\.1:5432 trusts every local connection; it checks passwords/,
        60_000,
      );
      const cluster = { host: '127.0.0.1', port: Number(port), database: 'postgres', user: user! };
      expect(await loginError({ ...cluster, password: 'not-the-password' })).toBe('28P01');
      await demo.waitFor(
        /rotation 1: demo\/db rotated in \d+ ms, AWSCURRENT is now version [0-9a-f]{8}/,
        30_000,
      );
      // The app's periodic line: it queried, and nothing failed.
      await demo.waitFor(/app: [1-9]\d* queries in the last 5 s, 0 failed;/, 30_000);
      const passwords = await demoPasswords(demo);
      expect(passwords.length).toBeGreaterThanOrEqual(2); // the first value and at least one rotated one

      expect(await demo.stop('SIGINT')).toBe(0);
      expect(demo.output).toContain(`stopped; database user ${user} dropped`);
      expect(await loginError({ ...cluster, password: 'not-the-password' })).toBe('ECONNREFUSED');
      expect(await roleExists(user!)).toBe(false);
      expect(demo.output).not.toMatch(
        /rotation \d+: demo\/db (failed|cancelled|did not run)|RotateSecret failed/,
      );
      for (const secret of [apiKey, ...passwords]) expect(demo.output).not.toContain(secret);
    },
    60_000,
  );

  it('npm start says what it does before building, and a port in use names the flag that changes it', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const result = await new Promise<{ code: number; output: string }>((resolve) => {
        const child = spawn(
          'npm',
          ['start', '--silent', '--', '--port', '0', '--emulator-port', String(port)],
          {
            cwd: root,
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let output = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString('utf8');
        });
        child.stderr!.on('data', (chunk: Buffer) => {
          output += chunk.toString('utf8');
        });
        child.once('close', (code) => resolve({ code: code ?? -1, output }));
      });
      expect(result.output).toMatch(/^Latchkey demo: type-checking and building first/);
      expect(result.output).toContain(
        `could not start the emulator and the sidecar: port ${port} is in use: run npm start -- --emulator-port <another port>`,
      );
      expect(result.code).toBe(1);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  }, 120_000);

  it('without PostgreSQL still serves the demo secret, says why rotation is off, and stops on SIGTERM', async () => {
    const port = await freePort();
    const demo = new Demo(['--postgres', `127.0.0.1:${port}`]);
    running = demo;
    const { apiKey } = await sidecarFromOutput(demo);
    await demo.waitFor(
      new RegExp(`rotation demo off: PostgreSQL at 127\\.0\\.0\\.1:${port} did not accept a connection`),
      10_000,
    );
    expect(await demo.stop('SIGTERM')).toBe(0);
    expect(demo.output).toMatch(/SIGTERM: stopping\n.*stopped\n/);
    expect(demo.output).not.toContain(apiKey);
  }, 60_000);
});
