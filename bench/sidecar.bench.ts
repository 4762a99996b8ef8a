// Sidecar benchmark, one run, side by side:
// - cache-hit throughput of the sidecar (a separate process running the bundle, default settings) against a bare node:http server
//   (also a separate process) answering the same bytes; keep-alive, 32 connections; wrk when installed, else autocannon;
// - upstream calls for 1000 concurrent cold requests of one secret (target: exactly 1);
// - resident memory of a sidecar process, idle and holding 1000 cached 4 KB secrets, minus a bare node:http
//   server's on the same runtime in the same run (targets: at most 12 MB idle, at most 30 MB with the secrets), and,
//   for context, the bare server's after it has answered as many requests as the sidecar;
// throughput and memory on each runtime found: the machine's Node and the pinned Node 22 and 24 of
// scripts/node-binary.mjs;
// the sidecar processes run as the container image runs them (the bundle with deploy/Dockerfile's node flags, no
// NODE_OPTIONS);
// - time from process start to the first answered /ping (compiled bin and single-file bundle).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Emulator, startEmulator } from '@latchkey/emulator';
import { startSidecarOnEmulator } from '@latchkey/sidecar';
import { Pool, request } from 'undici';
import { nodeBinary, PINNED_NODE_VERSIONS } from '../scripts/node-binary.mjs';
import { median, rssMb } from './stats.js';

/** The part of autocannon's API used here (the package ships no types). */
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
}) => Promise<{
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const SIDECAR_DIR = fileURLToPath(new URL('../packages/sidecar/', import.meta.url));
const BIN = `${SIDECAR_DIR}dist/bin/latchkey.js`;
const BUNDLE = `${SIDECAR_DIR}dist/bundle/latchkey.cjs`;
const TOKEN = 'bench-token';
/** The node flags of deploy/Dockerfile's ENTRYPOINT (and the npm bin's shebang): V8's memory reducer off, a small
 * young generation, no Maglev tier and one V8 background thread (the Dockerfile says why). Without the first, a sidecar that waited idle while another process was
 * measured answered about 12 % fewer requests per second. */
const CONTAINER_NODE_FLAGS = [
  '--no-memory-reducer',
  '--max-semi-space-size=1',
  '--no-maglev',
  '--v8-pool-size=1',
];
/** The environment of every process measured, bare or sidecar: the image's, not the benchmark's. The image sets no
 * NODE_OPTIONS, no NODE_EXTRA_CA_CERTS and no AWS settings but the ones each process is given here. A machine that
 * sets NODE_EXTRA_CA_CERTS for its own proxy (as this project's test machines do) makes Node 20 parse that bundle at
 * start-up (1.8 MB of resident memory in every process) and Node 24 once the sidecar loads TLS for its first upstream
 * call (about 1 MB, and none in the bare server, which never loads TLS). */
const CONTAINER_ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH };
const CONNECTIONS = 32;

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
}

/** A Node.js binary the servers run on, and its version. */
interface Runtime {
  readonly node: string;
  readonly version: string;
}

/** The machine's Node, then each pinned release of scripts/node-binary.mjs (fetched into its cache when missing). */
function runtimes(): Runtime[] {
  const found: Runtime[] = [{ node: process.execPath, version: process.version }];
  for (const major of Object.keys(PINNED_NODE_VERSIONS)) {
    const node = nodeBinary({ version: major });
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    if (!found.some((runtime) => runtime.version === version)) found.push({ node, version });
  }
  return found;
}

/** Spawn `node <args>` (the given runtime's) and wait for `listening on <url>` on stdout. */
function startProcess(args: string[], env: NodeJS.ProcessEnv, node = process.execPath): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, {
      env: { ...CONTAINER_ENV, ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolve({ child, url: match[1] as string });
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`${args.join(' ')} exited with ${code} before listening: ${out}`)),
    );
  });
}

/** SIGTERM, and SIGKILL if it has not exited after 15 s. */
function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function sidecarArgs(entry: string, emulator: Emulator, extra: string[] = []): string[] {
  return [
    ...CONTAINER_NODE_FLAGS,
    entry,
    'serve',
    '--http-port',
    '0',
    '--bind',
    '127.0.0.1',
    '--endpoint',
    emulator.endpoint,
    '--region',
    emulator.region,
    '--validate-credentials',
    'false',
    '--audit-log',
    '/dev/null',
    ...extra,
  ];
}

function sidecarEnv(emulator: Emulator): NodeJS.ProcessEnv {
  return {
    AWS_TOKEN: TOKEN,
    AWS_ACCESS_KEY_ID: emulator.clientConfig.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emulator.clientConfig.credentials.secretAccessKey,
  };
}

function hasWrk(): boolean {
  try {
    execFileSync('which', ['wrk'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** One load slice's figures: requests per second, and the median and 99th-percentile latency in milliseconds. */
interface Slice {
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
}

/** wrk's latency figure (`812.00us`, `1.23ms`, `1.01s`) in milliseconds. */
function wrkMs(output: string, percentile: string): number {
  const match = new RegExp(`\\s${percentile}%\\s+([\\d.]+)(us|ms|s)\\b`).exec(output);
  if (!match) throw new Error(`no ${percentile}% latency in wrk output: ${output}`);
  const scale = { us: 1e-3, ms: 1, s: 1e3 }[match[2] as 'us' | 'ms' | 's'];
  return Number(match[1]) * scale;
}

/** The load against `url` with the token header, 32 keep-alive connections. */
async function measure(url: string, seconds: number): Promise<Slice> {
  if (hasWrk()) {
    const output = execFileSync(
      'wrk',
      [
        '-t2',
        `-c${CONNECTIONS}`,
        `-d${seconds}s`,
        '--latency',
        '-H',
        `X-Aws-Parameters-Secrets-Token: ${TOKEN}`,
        url,
      ],
      { encoding: 'utf8' },
    );
    const match = /Requests\/sec:\s+([\d.]+)/.exec(output);
    if (!match) throw new Error(`unexpected wrk output: ${output}`);
    if (/Non-2xx/.test(output)) throw new Error(`${url}: non-2xx answers: ${output}`);
    return { rate: Number(match[1]), p50: wrkMs(output, '50'), p99: wrkMs(output, '99') };
  }
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'X-Aws-Parameters-Secrets-Token': TOKEN },
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rate: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

/** A bare node:http server in its own process that answers every request with the sidecar's exact bytes, sent
 * the way the sidecar sends them (a string body, which Node writes in one piece with the header block). */
async function startBareServer(
  body: string,
  headers: Record<string, string>,
  node = process.execPath,
): Promise<Started> {
  const script = `
    const http = require('node:http');
    const body = ${JSON.stringify(body)};
    const headers = ${JSON.stringify(headers)};
    const server = http.createServer((req, res) => { res.writeHead(200, headers); res.end(body); });
    server.keepAliveTimeout = 5000;
    server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
  `;
  // The same V8 flags as the sidecar, so the ratio compares the HTTP paths, not two runtime configurations.
  return startProcess([...CONTAINER_NODE_FLAGS, '-e', script], {}, node);
}

/** The hot secret's answer as the sidecar sends it: body and headers for the bare server to repeat. */
async function sidecarAnswer(url: string): Promise<{ body: string; headers: Record<string, string> }> {
  const response = await request(url, { headers: { 'X-Aws-Parameters-Secrets-Token': TOKEN } });
  const body = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${body.length} bytes`);
  const headers: Record<string, string> = {};
  // content-length too: without it the bare server would answer chunked, which is not the same bytes.
  for (const name of ['content-type', 'content-length', 'cache-control', 'x-cache', 'x-request-id'])
    headers[name] = String(response.headers[name]);
  return { body, headers };
}

/**
 * Fresh processes per server kind (bare, sidecar, sidecar without audit log), `PROCESSES_PER_KIND` rounds of them.
 * In each round every process is warmed for a second, then the three are measured in turn, one second each,
 * `SLICES` times over. Each sidecar second is compared with the bare second just before it: on this shared 2-core
 * machine (where wrk also shares the cores with the server) the speed of the whole machine drifts by tens of percent
 * within a minute, and adjacent seconds see the same machine. The ratio reported is the median of those paired
 * ratios; the rates and latencies (p50, p99) are the medians of each kind's seconds.
 */
const PROCESSES_PER_KIND = 3;
const SLICES = 8;
const SLICE_S = 1;

async function throughput(emulator: Emulator, { node, version }: Runtime): Promise<void> {
  const path = '/secretsmanager/get?secretId=bench/hot';
  const kinds = ['bare', 'sidecar', 'quiet'] as const;
  const slices: Record<(typeof kinds)[number], Slice[]> = { bare: [], sidecar: [], quiet: [] };
  for (let round = 0; round < PROCESSES_PER_KIND; round++) {
    const sidecar = await startProcess(sidecarArgs(BUNDLE, emulator), sidecarEnv(emulator), node);
    // The same without the audit log, to show its share.
    const quiet = await startProcess(
      sidecarArgs(BUNDLE, emulator, ['--audit-log', 'off']),
      sidecarEnv(emulator),
      node,
    );
    const started: Started[] = [sidecar, quiet];
    try {
      const answer = await sidecarAnswer(`${sidecar.url}${path}`);
      await sidecarAnswer(`${quiet.url}${path}`);
      const bare = await startBareServer(answer.body, answer.headers, node);
      started.push(bare);
      const servers = { bare, sidecar, quiet };
      for (const kind of kinds) await measure(`${servers[kind].url}${path}`, 1);
      for (let slice = 0; slice < SLICES; slice++) {
        for (const kind of kinds) slices[kind].push(await measure(`${servers[kind].url}${path}`, SLICE_S));
      }
    } finally {
      await Promise.all(started.map((server) => stop(server.child)));
    }
  }
  const rates = (kind: (typeof kinds)[number]) => slices[kind].map((slice) => slice.rate);
  const pairedRatio = (kind: 'sidecar' | 'quiet') =>
    median(slices[kind].map((slice, index) => slice.rate / (slices.bare[index] as Slice).rate)) * 100;
  const summary = (kind: (typeof kinds)[number]) => {
    const latency = (pick: (slice: Slice) => number) => median(slices[kind].map(pick)).toFixed(2);
    return `${median(rates(kind)).toFixed(0)} req/s median (${Math.min(...rates(kind)).toFixed(0)} to ${Math.max(...rates(kind)).toFixed(0)}), latency p50 ${latency((slice) => slice.p50)} ms, p99 ${latency((slice) => slice.p99)} ms`;
  };
  console.log(
    `Node ${version}: load generator: ${hasWrk() ? 'wrk' : 'autocannon'}, ${CONNECTIONS} keep-alive connections; ${PROCESSES_PER_KIND} fresh processes per kind, each measured ${SLICES} x ${SLICE_S} s, kinds alternating`,
  );
  console.log(`bare node:http, same bytes: ${summary('bare')}`);
  console.log(`sidecar cache hit:          ${summary('sidecar')}`);
  console.log(
    `ratio: ${pairedRatio('sidecar').toFixed(1)}% of the bare server, median of ${slices.sidecar.length} paired seconds (target >= 85%)`,
  );
  console.log(
    `sidecar, audit log off:     ${summary('quiet')}; ${pairedRatio('quiet').toFixed(1)}% of the bare server`,
  );
}

async function coldCoalescing(emulator: Emulator, sm: SecretsManagerClient): Promise<void> {
  await sm.send(new CreateSecretCommand({ Name: 'bench/cold', SecretString: 'cold' }));
  const sidecar = await startSidecarOnEmulator({
    emulator,
    env: { AWS_TOKEN: TOKEN },
    overrides: [
      { key: 'max_conn', value: '1000' },
      { key: 'audit_log', value: 'off' },
      { key: 'log_level', value: 'error' },
    ],
  });
  const pool = new Pool(sidecar.url, { connections: 250, pipelining: 4 });
  try {
    emulator.resetCalls();
    const statuses = await Promise.all(
      Array.from({ length: 1000 }, async () => {
        const response = await pool.request({
          path: '/v1/bench/cold',
          method: 'GET',
          headers: { 'X-Aws-Parameters-Secrets-Token': TOKEN },
        });
        await response.body.text();
        return response.statusCode;
      }),
    );
    const ok = statuses.filter((status) => status === 200).length;
    console.log(
      `1000 concurrent cold requests of one secret: ${ok} answered 200, upstream GetSecretValue calls: ${emulator.calls('GetSecretValue')} (target: exactly 1)`,
    );
  } finally {
    await pool.close();
    await sidecar.close();
  }
}

/** A port nothing listens on right now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resident memory once the process has answered one request: what it holds when idle. */
async function idleRssMb(server: Started, path: string): Promise<number> {
  await (
    await request(`${server.url}${path}`, { headers: { 'X-Aws-Parameters-Secrets-Token': TOKEN } })
  ).body.text();
  return rssMb(server.child.pid as number);
}

/** Resident memory once the server has answered `count` requests in all (one already), 16 at a time. */
async function answeredRssMb(server: Started, path: string, count: number): Promise<number> {
  const pool = new Pool(server.url, { connections: 16 });
  let left = count - 1;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (left-- > 0) await (await pool.request({ path, method: 'GET' })).body.text();
    }),
  );
  await pool.close();
  return rssMb(server.child.pid as number);
}

async function memory(emulator: Emulator, ids: readonly string[], { node, version }: Runtime): Promise<void> {
  const bare = await startBareServer('healthy', { 'content-type': 'text/plain' }, node);
  const sidecar = await startProcess(sidecarArgs(BUNDLE, emulator), sidecarEnv(emulator), node);
  try {
    const bareMb = await idleRssMb(bare, '/');
    const idle = await idleRssMb(sidecar, '/ping');
    const pool = new Pool(sidecar.url, { connections: 16 });
    let answered = 1;
    for (let i = 0; i < ids.length; i += 20, answered++) {
      const query = ids
        .slice(i, i + 20)
        .map((id) => `secretId=${encodeURIComponent(id)}`)
        .join('&');
      const response = await pool.request({
        path: `/secretsmanager/batch?${query}`,
        method: 'GET',
        headers: { 'X-Aws-Parameters-Secrets-Token': TOKEN },
      });
      await response.body.text();
    }
    // And every one once more through the single-secret route, so its rendered body is held too.
    for (const id of ids) {
      const response = await pool.request({
        path: `/v1/${id}`,
        method: 'GET',
        headers: { 'X-Aws-Parameters-Secrets-Token': TOKEN },
      });
      await response.body.text();
      answered++;
    }
    await pool.close();
    const loaded = rssMb(sidecar.child.pid as number);
    const metrics = await (await request(`${sidecar.url}/metrics`)).body.text();
    const entries = /latchkey_cache_entries (\d+)/.exec(metrics)?.[1];
    const heapUsed =
      Number(/latchkey_sidecar_nodejs_heap_size_used_bytes (\d+)/.exec(metrics)?.[1] ?? 0) / 1048576;
    console.log(
      `Node ${version}: resident memory: bare node:http ${bareMb.toFixed(1)} MB; sidecar ${idle.toFixed(1)} MB idle (+${(idle - bareMb).toFixed(1)} MB, target <= 12), ${loaded.toFixed(1)} MB with ${entries} cached 4 KB secrets (+${(loaded - bareMb).toFixed(1)} MB, target <= 30); JS heap in use: ${heapUsed.toFixed(1)} MB`,
    );
    // Context, not the target: answering requests grows the bare server too (V8's optimizing compiler, once code is
    // hot, brings in megabytes of the Node binary's pages), so the same count shows what is the sidecar's own.
    const warmBareMb = await answeredRssMb(bare, '/', answered);
    console.log(
      `Node ${version}: bare node:http after answering the same ${answered} requests: ${warmBareMb.toFixed(1)} MB; the sidecar with the secrets is +${(loaded - warmBareMb).toFixed(1)} MB over it`,
    );
  } finally {
    await Promise.all([stop(sidecar.child), stop(bare.child)]);
  }
}

/** 1000 secrets of 4 KB for the memory measure. */
async function createMemorySecrets(sm: SecretsManagerClient): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < 1000; i += 50) {
    await Promise.all(
      Array.from({ length: 50 }, (_, j) => {
        const id = `bench/mem/${i + j}`;
        ids.push(id);
        return sm.send(new CreateSecretCommand({ Name: id, SecretString: `${i + j}`.padEnd(4096, 'm') }));
      }),
    );
  }
  return ids;
}

async function startup(emulator: Emulator): Promise<void> {
  for (const [name, entry] of [
    ['compiled bin', BIN],
    ['single-file bundle', BUNDLE],
  ] as const) {
    const times: number[] = [];
    for (let run = 0; run < 3; run++) {
      const port = await freePort();
      const started = performance.now();
      const child = spawn(process.execPath, sidecarArgs(entry, emulator, ['--http-port', String(port)]), {
        env: { ...CONTAINER_ENV, ...sidecarEnv(emulator) },
        stdio: 'ignore',
      });
      const deadline = started + 30_000;
      for (;;) {
        if (child.exitCode !== null || performance.now() > deadline) {
          throw new Error(`${name} did not answer /ping on port ${port} (exit code ${child.exitCode})`);
        }
        const ok = await request(`http://127.0.0.1:${port}/ping`, { reset: true }).then(
          async (response) => {
            await response.body.text();
            return response.statusCode === 200;
          },
          () => false,
        );
        if (ok) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      times.push(performance.now() - started);
      await stop(child);
    }
    console.log(`start to first /ping, ${name}: ${Math.min(...times).toFixed(0)} ms (best of 3)`);
  }
}

export async function run(): Promise<void> {
  // The processes measured run the single-file bundle, the artifact the container image ships.
  execFileSync(process.execPath, [`${SIDECAR_DIR}scripts/bundle.mjs`]);
  const emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
  const sm = new SecretsManagerClient(emulator.clientConfig);
  try {
    await sm.send(new CreateSecretCommand({ Name: 'bench/hot', SecretString: 'x'.repeat(256) }));
    const ids = await createMemorySecrets(sm);
    for (const runtime of runtimes()) {
      await throughput(emulator, runtime);
      await memory(emulator, ids, runtime);
    }
    await coldCoalescing(emulator, sm);
    await startup(emulator);
  } finally {
    sm.destroy();
    await emulator.close();
  }
}
