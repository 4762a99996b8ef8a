/**
 * A private PostgreSQL cluster for tests that must see a password refused. The shared server on 127.0.0.1:5432
 * trusts every local connection, so it accepts any password; this one uses scram-sha-256 (or md5) for every
 * connection, listens on 127.0.0.1 on a port picked for it, and can log every statement so a test can prove
 * that no password reached the server's log.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';

const run = promisify(execFile);

export interface PostgresClusterOptions {
  /** Sets `log_statement = 'all'` so every statement the server receives is in its log. */
  readonly logStatements?: boolean;
  /** The server's `password_encryption` and the pg_hba method. Default scram-sha-256. */
  readonly passwordEncryption?: 'scram-sha-256' | 'md5';
}

export interface PostgresCluster {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The superuser and its password (the cluster checks it like any other). */
  readonly superuser: 'postgres';
  readonly superuserPassword: string;
  /** A database that exists, owned by the superuser. */
  readonly database: 'postgres';
  /** The server's log so far. */
  readLog(): Promise<string>;
  stop(): Promise<void>;
}

async function findPostgresBin(): Promise<string | undefined> {
  const { stdout } = await run('sh', [
    '-c',
    'ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1',
  ]);
  return stdout.trim() || undefined;
}

/** Starts a fresh cluster; call `stop()` in afterAll. Takes a few seconds (initdb). */
export async function startPostgresCluster(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const bin = await findPostgresBin();
  if (!bin)
    throw new Error(
      'PostgreSQL server binaries (initdb, pg_ctl) are not installed under /usr/lib/postgresql',
    );
  const method = options.passwordEncryption ?? 'scram-sha-256';
  const superuserPassword = randomBytes(12).toString('hex');
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-pg-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const passwordFile = join(dir, 'pwfile');
  await writeFile(passwordFile, `${superuserPassword}\n`);

  // initdb refuses to run as root: when we are root, the cluster belongs to the `postgres` system user.
  const asRoot = userInfo().uid === 0;
  const owner = asRoot ? await run('id', ['-u', 'postgres']).then((r) => Number(r.stdout.trim())) : undefined;
  const ownerGroup = asRoot
    ? await run('id', ['-g', 'postgres']).then((r) => Number(r.stdout.trim()))
    : undefined;
  if (owner !== undefined && ownerGroup !== undefined) {
    await chmod(dir, 0o700);
    await chown(dir, owner, ownerGroup);
    await chown(passwordFile, owner, ownerGroup);
  }
  const asOwner = (command: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, args);

  await asOwner(join(bin, 'initdb'), [
    '--pgdata',
    dataDir,
    '--username',
    'postgres',
    '--pwfile',
    passwordFile,
    `--auth=${method}`,
    '--no-sync',
    '--encoding=UTF8',
    '--locale=C',
  ]);
  await rm(passwordFile);

  const port = await freePort();
  const settings = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    `-c password_encryption=${method}`,
    '-c fsync=off',
    '-c log_destination=stderr',
    options.logStatements ? '-c log_statement=all' : '',
  ].join(' ');
  await asOwner(join(bin, 'pg_ctl'), [
    '--pgdata',
    dataDir,
    '--log',
    logFile,
    '--wait',
    '--options',
    settings,
    'start',
  ]);

  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    superuser: 'postgres',
    superuserPassword,
    database: 'postgres',
    readLog: () => readFile(logFile, 'utf8'),
    async stop() {
      if (stopped) return;
      stopped = true;
      await asOwner(join(bin, 'pg_ctl'), [
        '--pgdata',
        dataDir,
        '--mode',
        'immediate',
        '--wait',
        'stop',
      ]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
