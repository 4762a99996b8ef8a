/**
 * The database clients of examples/ (curl, Python, Java, Go, Node), run as a user runs them: a process with the
 * deploy manifests' environment (SECRETS_URL, AWS_TOKEN) plus DB_SECRET_ID, whose output lines are counted.
 * Each needs a toolchain from Debian's packages (`.ci/install-example-toolchains`); `missingToolchain` says what is
 * absent. The lines the examples print, and what they count as:
 *   `query ok in <n> ms (version …)`  a query that ran (its time, connection and retries included)
 *   `query failed: …`                a query that did not
 *   `login refused …`                one retry of the rotation-safe pattern (one more request to the sidecar)
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));

export type Language = 'curl' | 'python' | 'java' | 'go' | 'node';
export const LANGUAGES: readonly Language[] = ['curl', 'python', 'java', 'go', 'node'];

/** Debian's interpreter: a pyenv or venv python3 first on PATH does not see python3-psycopg2. */
const DEBIAN_PYTHON = '/usr/bin/python3';
const JDBC_JARS = ['/usr/share/java/postgresql.jar', '/usr/share/java/mariadb-java-client.jar'];
const GOPATH = '/usr/share/gocode';
const GO_DRIVERS = ['github.com/lib/pq', 'github.com/go-sql-driver/mysql'].map((pkg) =>
  join(GOPATH, 'src', pkg),
);
const GO_ENV = { GO111MODULE: 'off', GOPATH };

const onPath = async (command: string) =>
  run('sh', ['-c', `command -v ${command}`]).then(
    () => true,
    () => false,
  );

/** What is missing to run a language's example (Debian package names), or undefined when it can run. */
export async function missingToolchain(language: Language): Promise<string | undefined> {
  const missing: string[] = [];
  switch (language) {
    case 'curl':
      for (const [command, pkg] of [
        ['curl', 'curl'],
        ['jq', 'jq'],
        ['psql', 'postgresql-client'],
        ['mariadb', 'mariadb-client'],
      ] as const) {
        if (!(await onPath(command))) missing.push(pkg);
      }
      break;
    case 'python':
      if (!existsSync(DEBIAN_PYTHON)) missing.push('python3');
      for (const [module, pkg] of [
        ['psycopg2', 'python3-psycopg2'],
        ['pymysql', 'python3-pymysql'],
      ] as const) {
        const found = await run(DEBIAN_PYTHON, ['-c', `import ${module}`]).then(
          () => true,
          () => false,
        );
        if (!found) missing.push(pkg);
      }
      break;
    case 'java':
      if (!(await onPath('java'))) missing.push('default-jdk-headless');
      if (!existsSync(JDBC_JARS[0]!)) missing.push('libpostgresql-jdbc-java');
      if (!existsSync(JDBC_JARS[1]!)) missing.push('libmariadb-java');
      break;
    case 'go':
      if (!(await onPath('go'))) missing.push('golang-go');
      if (!existsSync(GO_DRIVERS[0]!)) missing.push('golang-github-lib-pq-dev');
      if (!existsSync(GO_DRIVERS[1]!)) missing.push('golang-github-go-sql-driver-mysql-dev');
      break;
    case 'node':
      break;
  }
  return missing.length > 0 ? `${language} needs ${missing.join(', ')}` : undefined;
}

/** How to start each example; Go is built once (as `go run` would, without compiling it per process). */
export interface ExampleCommands {
  command(language: Language): { readonly file: string; readonly args: readonly string[] };
  /** Removes the Go build. */
  close(): Promise<void>;
}

export async function prepareExamples(languages: readonly Language[]): Promise<ExampleCommands> {
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-examples-'));
  const goBinary = join(dir, 'db-client');
  if (languages.includes('go')) {
    await run('go', ['build', '-o', goBinary, join(EXAMPLES_DIR, 'go/db-client.go')], {
      env: { ...process.env, ...GO_ENV },
      timeout: 120_000,
    });
  }
  return {
    command(language) {
      switch (language) {
        case 'curl':
          return { file: 'sh', args: [join(EXAMPLES_DIR, 'curl/db-client.sh')] };
        case 'python':
          return { file: DEBIAN_PYTHON, args: [join(EXAMPLES_DIR, 'python/db_client.py')] };
        case 'java':
          return {
            file: 'java',
            args: ['-cp', JDBC_JARS.join(':'), join(EXAMPLES_DIR, 'java/DbClient.java')],
          };
        case 'go':
          return { file: goBinary, args: [] };
        case 'node':
          return { file: process.execPath, args: [join(EXAMPLES_DIR, 'node/db-client.mjs')] };
      }
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The environment an example reads, as the deploy manifests set it. */
export interface ExampleEnv {
  readonly SECRETS_URL: string;
  readonly AWS_TOKEN: string;
  readonly DB_SECRET_ID: string;
  readonly QUERY_INTERVAL_MS?: string;
  readonly SIDECAR_WAIT_SECONDS?: string;
}

/** A running example and what it has printed so far. */
export class ExampleProcess {
  readonly child: ChildProcess;
  /** Every line printed (stdout and stderr), for the leak check and for a failure's message. */
  readonly lines: string[] = [];
  queries = 0;
  /** `performance.now()` of the last query that ran. */
  lastQueryAt = 0;
  /** Each query's time, when it was printed, and whether it needed retries. */
  readonly queryTimes: { readonly at: number; readonly ms: number; readonly retried: boolean }[] = [];
  readonly failures: string[] = [];
  retries = 0;
  #retriedSinceQuery = false;
  readonly exited: Promise<number | null>;

  constructor(command: { file: string; args: readonly string[] }, env: ExampleEnv) {
    this.child = spawn(command.file, command.args, {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...GO_ENV, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: stop() ends the example and whatever it started (psql, mariadb, curl).
      detached: true,
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop()!;
        for (const line of parts) this.#line(line);
      });
    }
  }

  #line(line: string): void {
    this.lines.push(line);
    const ok = /^query ok in (\d+) ms/.exec(line);
    if (ok) {
      this.queries += 1;
      this.lastQueryAt = performance.now();
      this.queryTimes.push({ at: this.lastQueryAt, ms: Number(ok[1]), retried: this.#retriedSinceQuery });
      this.#retriedSinceQuery = false;
    } else if (line.startsWith('query failed')) {
      this.failures.push(line);
      this.#retriedSinceQuery = false;
    } else if (line.startsWith('login refused')) {
      this.retries += 1;
      this.#retriedSinceQuery = true;
    }
  }

  /** Ends the process group; resolves once the example has exited. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      try {
        process.kill(-this.child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await this.exited;
  }
}
