// Emulator benchmark. GetSecretValue through the real AWS SDK v3 client over loopback HTTP against the emulator
// CLI (its own process, as users run it), with 10,000 secrets stored and, side by side, with 10: the ratio shows
// whether the store's size costs anything. Rounds alternate between the two so machine load hits both alike.
// Then the CLI's start-up time to a listening endpoint.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { median, percentile } from './stats.js';

const ROUNDS = 2;
const SEQUENTIAL_CALLS = 1_500;
const CONCURRENT_CALLS = 4_000;
const CONCURRENCY = 32;
const CLI_STARTS = 5;
const BIN = fileURLToPath(new URL('../packages/emulator/dist/bin/latchkey-emulator.js', import.meta.url));

interface RunningCli {
  child: ChildProcess;
  endpoint: string;
  startupMs: number;
}

/** Spawns the CLI and resolves when it prints its endpoint. */
async function startCli(args: string[]): Promise<RunningCli> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`CLI exited with ${code} before listening`)));
  });
  child.removeAllListeners('exit');
  return { child, endpoint, startupMs: performance.now() - started };
}

async function stopCli({ child }: RunningCli): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

interface Round {
  p50Ms: number;
  p99Ms: number;
  opsPerSecond: number;
}

async function measureRound(client: SecretsManagerClient, secretCount: number): Promise<Round> {
  let n = 0;
  const get = () =>
    client.send(new GetSecretValueCommand({ SecretId: `bench/app-${(n++ * 7919) % secretCount}/database` }));
  const latencies: number[] = [];
  for (let i = 0; i < SEQUENTIAL_CALLS; i++) {
    const started = performance.now();
    await get();
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (issued++ < CONCURRENT_CALLS) await get();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    opsPerSecond: CONCURRENT_CALLS / seconds,
  };
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-emulator-bench-'));
  const sizes = [10_000, 10];
  const clis: RunningCli[] = [];
  try {
    for (const size of sizes) {
      const seedFile = join(dir, `seed-${size}.json`);
      const seed = Object.fromEntries(
        Array.from({ length: size }, (_, i) => [
          `bench/app-${i}/database`,
          { username: `user${i}`, password: `password-${i}`, host: 'db.internal', port: 5432 },
        ]),
      );
      await writeFile(seedFile, JSON.stringify(seed));
      clis.push(await startCli(['--seed', seedFile]));
    }
    const clients = clis.map(
      ({ endpoint }) =>
        new SecretsManagerClient({
          endpoint,
          region: 'us-east-1',
          maxAttempts: 1,
          credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
        }),
    );
    for (const [i, client] of clients.entries()) {
      for (let w = 0; w < 300; w++)
        await client.send(new GetSecretValueCommand({ SecretId: `bench/app-${w % sizes[i]!}/database` }));
    }
    const rounds: Round[][] = sizes.map(() => []);
    for (let r = 0; r < ROUNDS; r++) {
      for (const [i, client] of clients.entries()) rounds[i]!.push(await measureRound(client, sizes[i]!));
    }
    for (const client of clients) client.destroy();

    console.log(
      `GetSecretValue via @aws-sdk/client-secrets-manager -> emulator CLI over loopback (median of ${ROUNDS} alternating rounds)`,
    );
    const summary = sizes.map((size, i) => ({
      size,
      p50: median(rounds[i]!.map((r) => r.p50Ms)),
      p99: median(rounds[i]!.map((r) => r.p99Ms)),
      ops: median(rounds[i]!.map((r) => r.opsPerSecond)),
    }));
    for (const { size, p50, p99, ops } of summary) {
      console.log(
        `  ${String(size).padStart(6)} secrets: sequential p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms; ` +
          `${CONCURRENCY} in flight: ${Math.round(ops)} ops/s`,
      );
    }
    const [large, small] = summary as [(typeof summary)[0], (typeof summary)[0]];
    console.log(
      `  10,000 vs 10 secrets: throughput ratio ${(large.ops / small.ops).toFixed(2)}, p50 ratio ${(large.p50 / small.p50).toFixed(2)}`,
    );
    console.log(`  CLI start-up with a 10,000-secret seed file: ${clis[0]!.startupMs.toFixed(0)} ms`);
  } finally {
    await Promise.all(clis.map(stopCli));
    await rm(dir, { recursive: true, force: true });
  }

  const starts: number[] = [];
  for (let i = 0; i < CLI_STARTS; i++) {
    const cli = await startCli([]);
    starts.push(cli.startupMs);
    await stopCli(cli);
  }
  starts.sort((a, b) => a - b);
  console.log(
    `CLI start-up to a listening endpoint, empty store (${CLI_STARTS} runs): median ${percentile(starts, 0.5).toFixed(0)} ms, ` +
      `min ${starts[0]!.toFixed(0)} ms, max ${starts.at(-1)!.toFixed(0)} ms`,
  );
}
