// Rotator: time for full rotations (single user, alternating users) against the local MariaDB, a private
// PostgreSQL cluster and the emulator, what finishSecret's verifying login adds to one, and each Lambda bundle's
// size and cold import time.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { escapeIdentifier, escapeLiteral } from 'pg';
import { buildLambda, LAMBDA_FUNCTIONS } from '../packages/rotator/scripts/build-lambda.js';
import type { DatabaseEngine } from '../packages/rotator/src/engines/engine.js';
import { mysqlEngine } from '../packages/rotator/src/engines/mysql/session.js';
import { scramSha256Verifier } from '../packages/rotator/src/engines/postgres/password-verifier.js';
import { postgresEngine } from '../packages/rotator/src/engines/postgres/session.js';
import { createLogger } from '../packages/rotator/src/logger.js';
import { parseDatabaseSecret } from '../packages/rotator/src/secret/database-secret.js';
import { credentialsOf } from '../packages/rotator/src/strategies/login.js';
import { mariadbFixture } from '../packages/rotator/test/support/mariadb.js';
import { postgresFixture } from '../packages/rotator/test/support/postgres.js';
import {
  type RotationHarness,
  startRotationHarness,
} from '../packages/rotator/test/support/rotation-harness.js';
import { SHARED_MARIADB } from '../test/support/services.js';
import { median } from './stats.js';

const execFileAsync = promisify(execFile);
const ROUNDS = 5;

async function timeRotations(harness: RotationHarness, secretId: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    const outcome = await harness.rotate(secretId);
    times.push(performance.now() - start);
    if (outcome.status !== 'succeeded') throw new Error(`rotation failed: ${outcome.error}`);
  }
  return median(times);
}

async function mariadbRotations(): Promise<[string, number][]> {
  const db = await mariadbFixture();
  const harness = await startRotationHarness((hooks) => mysqlEngine({ hooks }));
  try {
    const single = db.name('lk_bench_s_');
    const alt = db.name('lk_bench_a_');
    const master = db.name('lk_bench_m_');
    for (const user of [single, alt, master]) await db.createUser(user, '%', 'bench-initial');
    await db.exec("GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION", [master]);
    await db.exec(`GRANT SELECT ON ${db.database}.* TO ?@'%'`, [alt]);
    const base = { engine: 'mariadb', host: SHARED_MARIADB.host, port: SHARED_MARIADB.port };
    return await timeStrategies(harness, mysqlEngine(), 'MariaDB', base, { master, single, alt }, db.name);
  } finally {
    await harness.close();
    await db.cleanup();
  }
}

/** Secrets for a master, a single user and an alternating pair (all created with 'bench-initial'), each rotated
 * and timed. */
async function timeStrategies(
  harness: RotationHarness,
  engine: DatabaseEngine,
  engineLabel: string,
  base: Record<string, unknown>,
  users: { master: string; single: string; alt: string },
  secretName: (prefix: string) => string,
): Promise<[string, number][]> {
  const secret = (prefix: string, username: string, extra: Record<string, unknown> = {}) =>
    harness.createSecret(secretName(prefix), { ...base, username, password: 'bench-initial', ...extra });
  const masterArn = await secret('m-', users.master);
  const singleArn = await secret('s-', users.single);
  const altArn = await secret('a-', users.alt, { masterarn: masterArn });
  return [
    [`${engineLabel} single user`, await timeRotations(harness, singleArn)],
    [`${engineLabel} alternating users`, await timeRotations(harness, altArn)],
    [`${engineLabel} finishSecret's check: one login`, await timeVerifyingLogin(harness, engine, singleArn)],
  ];
}

/** What finishSecret's check of the pending version costs: testSecret's login (connect, SELECT NOW(), close). */
async function timeVerifyingLogin(
  harness: RotationHarness,
  engine: DatabaseEngine,
  secretId: string,
): Promise<number> {
  const secret = parseDatabaseSecret(JSON.stringify(await harness.value(secretId)), {
    family: engine.family,
    secretId,
  });
  const logger = createLogger(undefined, 'silent');
  const times: number[] = [];
  for (let i = 0; i < ROUNDS * 4; i++) {
    const start = performance.now();
    const session = await engine.connect(credentialsOf(secret), logger);
    await session.ping();
    await session.close();
    times.push(performance.now() - start);
  }
  return median(times);
}

async function postgresRotations(): Promise<[string, number][]> {
  const db = await postgresFixture({ logStatements: false });
  const harness = await startRotationHarness((hooks) => postgresEngine({ hooks }));
  try {
    const role = (name: string, extra = '') =>
      db.exec(
        `CREATE ROLE ${escapeIdentifier(name)} LOGIN ${extra} PASSWORD ${escapeLiteral(scramSha256Verifier('bench-initial'))}`,
      );
    const single = db.name('bench_s_');
    const alt = db.name('bench_a_');
    const master = db.name('bench_m_');
    await role(single);
    await role(alt);
    await role(master, 'CREATEROLE');
    const base = { engine: 'postgres', host: db.cluster.host, port: db.cluster.port };
    return await timeStrategies(
      harness,
      postgresEngine(),
      'PostgreSQL',
      base,
      { master, single, alt },
      db.name,
    );
  } finally {
    await harness.close();
    await db.stop();
  }
}

/** Median wall time for a fresh `node` to load `module` (what a Lambda cold start pays for our code). */
async function importTimeMs(loader: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const { stdout } = await execFileAsync(process.execPath, [
      '--no-warnings',
      '--input-type=module',
      '-e',
      loader,
    ]);
    times.push(Number(stdout.trim()));
  }
  return median(times);
}

const timed = (statement: string) =>
  `const t = performance.now(); ${statement}; console.log((performance.now() - t).toFixed(1));`;

export async function run(): Promise<void> {
  const rotations = [...(await mariadbRotations()), ...(await postgresRotations())];
  console.log(`full rotation through the emulator (median of ${ROUNDS}; RotateSecret to outcome):`);
  for (const [name, ms] of rotations) console.log(`  ${name.padEnd(44)} ${ms.toFixed(1)} ms`);

  const dir = await mkdtemp(join(tmpdir(), 'latchkey-bench-lambda-'));
  const distHandlers = fileURLToPath(new URL('../packages/rotator/dist/handlers/', import.meta.url));
  try {
    console.log(`Lambda bundles (esbuild, minified; cold import median of ${ROUNDS} fresh node processes):`);
    for (const name of LAMBDA_FUNCTIONS) {
      const built = await buildLambda(name, dir);
      const { unzipSync } = await import('fflate');
      const { readFile, writeFile } = await import('node:fs/promises');
      const entry = join(dir, `${name}.cjs`);
      await writeFile(entry, unzipSync(await readFile(built.zipPath))['index.js']!);
      const bundled = await importTimeMs(
        timed(`(await import('node:module')).createRequire(import.meta.url)(${JSON.stringify(entry)})`),
      );
      const unbundled = await importTimeMs(
        timed(`await import(${JSON.stringify(join(distHandlers, `${name}.js`))})`),
      );
      console.log(
        `  ${name.padEnd(9)} zip ${(built.zipBytes / 1024).toFixed(0)} KiB (bundle ${(built.bundleBytes / 1024).toFixed(0)} KiB)` +
          `  import ${bundled.toFixed(1)} ms bundled vs ${unbundled.toFixed(1)} ms from dist/ (node_modules): ${(unbundled / bundled).toFixed(2)}x`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
