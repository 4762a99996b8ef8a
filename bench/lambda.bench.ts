// Lambda extension benchmark (`npm run bench -- lambda`), one run, side by side, through the emulator's Lambda
// simulator with the layers build:layer writes:
// - extension init: process start to its first event/next (the end of its Init), median of 20, for the
//   self-contained x86_64 layer and the nodejs layer (run on the same Node binary), next to a bare `node -e ''`
//   start on that binary (target: at most 100 ms above bare); wall-clock time, and the CPU time each used (on a
//   loaded machine the wall clock stretches with the queue for a core, CPU time much less);
// - the first secret read inside the first invoke (a miss: the AWS SDK client's first call), and warm reads
//   (cache hits) p50/p99, as the function measures them (Node fetch to localhost);
// - the extension's resident memory after 100 invokes.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Emulator, LambdaSimulator, startEmulator } from '@latchkey/emulator';
import { freePort } from '../test/support/ports.js';
import { median, percentile, rssMb } from './stats.js';

const run_ = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const BUILD_LAYER = join(root, 'packages/sidecar/scripts/build-layer.mjs');
const NODE_FUNCTION = join(root, 'test/integration/lambda/functions/node-runtime.mjs');
const STARTS = 20;
const WARM_READS = 200;
const INVOKES_BEFORE_RSS = 100;
const SESSION_TOKEN = 'bench-session-token';

/** Spawn to exit of `node -e ''` with the layer's Node binary, median of `STARTS`. `fresh`: each start on a newly
 * unpacked copy, as each simulated start of the self-contained layer runs one (a binary just written runs slower
 * at first than one already run). */
async function bareNodeStart(layer: string, work: string, fresh: boolean): Promise<Start> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < STARTS; i += 1) {
    const dir = join(work, fresh ? `bare-${i}` : 'bare');
    if (fresh || i === 0) await run_('unzip', ['-q', '-o', layer, 'latchkey/node', '-d', dir]);
    const started = performance.now();
    // GNU time's user and system seconds: the CPU the start costs, which a loaded machine does not stretch.
    const { stderr } = await run_('/usr/bin/time', ['-f', '%U %S', join(dir, 'latchkey', 'node'), '-e', '']);
    wall.push(performance.now() - started);
    const [user = Number.NaN, system = Number.NaN] = stderr.trim().split(' ').map(Number);
    cpu.push((user + system) * 1000);
    if (fresh) await rm(dir, { recursive: true, force: true });
  }
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

/** Medians: wall-clock time, and the CPU time (user + system) the process used in it. */
interface Start {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** A process's CPU time so far (user + system), from /proc (clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // After the command name: utime and stime are fields 14 and 15 of stat(5), here 12 and 13 (from 1).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function simulate(
  emulator: Emulator,
  layer: string,
  node: string,
  port: number,
  onFirstNext?: (extension: { pid: number | undefined }) => void,
): Promise<LambdaSimulator> {
  return LambdaSimulator.start({
    ...(onFirstNext ? { onFirstNext } : {}),
    layers: [layer],
    runtime: { command: node, args: [NODE_FUNCTION] },
    region: emulator.region,
    credentials: { ...emulator.clientConfig.credentials, sessionToken: SESSION_TOKEN },
    endpoint: emulator.endpoint,
    // The nodejs layer runs on the runtime's node: the same binary the self-contained layer carries.
    path: [dirname(node)],
    environment: {
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(port),
      PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'warn',
    },
  });
}

async function init(emulator: Emulator, layer: string, node: string, port: number): Promise<Start> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < STARTS; i += 1) {
    const simulator = await simulate(emulator, layer, node, port, ({ pid }) => {
      if (pid !== undefined) cpu.push(cpuMsOf(pid));
    });
    wall.push(simulator.timings.extensions[0]?.firstNextMs ?? Number.NaN);
    await simulator.shutdown();
  }
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

interface Reads {
  readonly firstMs: number;
  readonly warmP50Ms: number;
  readonly warmP99Ms: number;
  readonly rssMb: number;
}

async function reads(
  emulator: Emulator,
  layer: string,
  node: string,
  port: number,
  secretId: string,
): Promise<Reads> {
  const simulator = await simulate(emulator, layer, node, port);
  try {
    const read = async () => {
      const invocation = await simulator.invoke({ path: `/secretsmanager/get?secretId=${secretId}` });
      const { status, ms } = JSON.parse(invocation.body) as { status: number; ms: number };
      if (status !== 200) throw new Error(`the read answered ${status}`);
      return ms;
    };
    const firstMs = await read();
    const pid = simulator.extensions[0]?.child.pid;
    if (pid === undefined) throw new Error('the extension has no process id');
    const warm: number[] = [];
    let rss = Number.NaN;
    for (let invokes = 1; invokes <= WARM_READS; invokes += 1) {
      if (invokes === INVOKES_BEFORE_RSS) rss = rssMb(pid);
      warm.push(await read());
    }
    warm.sort((a, b) => a - b);
    return { firstMs, warmP50Ms: percentile(warm, 0.5), warmP99Ms: percentile(warm, 0.99), rssMb: rss };
  } finally {
    await simulator.shutdown();
  }
}

export async function run(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'latchkey-lambda-bench-'));
  const emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
  try {
    const built = await run_(process.execPath, [BUILD_LAYER, '--out', work, '--only', 'nodejs,x86_64']);
    process.stdout.write(built.stdout);
    const selfContained = join(work, 'latchkey-extension-x86_64.zip');
    // The nodejs layer runs on the runtime's node: the binary the self-contained layer carries, unpacked once.
    await run_('unzip', ['-q', selfContained, 'latchkey/node', '-d', work]);
    const node = join(work, 'latchkey', 'node');
    const version = (await run_(node, ['--version'])).stdout.trim();
    const layers = [
      { name: 'x86_64 (self-contained, unpacked for each start)', zip: selfContained, fresh: true },
      { name: 'nodejs (the runtime node)', zip: join(work, 'latchkey-extension-nodejs.zip'), fresh: false },
    ];

    const sm = new SecretsManagerClient(emulator.clientConfig);
    const secretId = 'bench/lambda/db';
    await sm.send(new CreateSecretCommand({ Name: secretId, SecretString: 'x'.repeat(512) }));
    sm.destroy();
    const port = await freePort();

    console.log(`Node ${version}; medians of ${STARTS} starts`);
    for (const { name, zip, fresh } of layers) {
      const bare = await bareNodeStart(selfContained, work, fresh);
      const started = await init(emulator, zip, node, port);
      const figures = await reads(emulator, zip, node, port, secretId);
      const ms = (value: number) => `${value.toFixed(1)} ms`;
      console.log(
        `${name}: init (start to first event/next) ${ms(started.wallMs)} vs bare \`node -e ''\` ` +
          `${ms(bare.wallMs)}: ${ms(started.wallMs - bare.wallMs)} above bare (target <= 100); CPU time ` +
          `${ms(started.cpuMs)} vs ${ms(bare.cpuMs)}: ${ms(started.cpuMs - bare.cpuMs)} above bare; first read ` +
          `in the first invoke ${ms(figures.firstMs)}; warm reads p50 ${figures.warmP50Ms.toFixed(2)} ms, ` +
          `p99 ${figures.warmP99Ms.toFixed(2)} ms (${WARM_READS}); resident memory after ` +
          `${INVOKES_BEFORE_RSS} invokes ${figures.rssMb.toFixed(1)} MB`,
      );
    }
  } finally {
    await emulator.close();
    await rm(work, { recursive: true, force: true });
  }
}
