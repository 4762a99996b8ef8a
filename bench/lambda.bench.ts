// Lambda extension benchmark (`npm run bench -- lambda`), one run, side by side, through the emulator's Lambda
// simulator with the layers build:layer writes:
// - extension init: process start to its first event/next (the end of its Init), median of 20, for the
//   self-contained x86_64 layer and the nodejs layer (run on the same Node binary), next to a bare `node -e ''`
//   start on that binary (target: at most 100 ms above bare); wall-clock time, and the CPU time each used (on a
//   loaded machine the wall clock stretches with the queue for a core, CPU time much less). Each bare start runs
//   next to one of the layer's starts, in alternating order, on the binary that layer runs on and with the
//   extension's environment, so that a change of load, a cold file cache or an inherited NODE_OPTIONS cannot favour
//   either side;
// - the first secret read inside the first invoke (a miss: the AWS SDK client's first call), and warm reads
//   (cache hits) p50/p99, as the function measures them (Node fetch to localhost);
// - the extension's resident memory after 100 invokes.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
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

/** One start of `node -e ''` with the layer's Node binary, spawn to exit: a newly unpacked copy for a
 * self-contained layer (as each simulated start of it unpacks one), else the runtime's node itself. The environment is the one Lambda gives an extension (no
 * NODE_OPTIONS, which the layer's launcher unsets). */
async function bareNodeStart(layer: Layer, work: string, node: string): Promise<Sample> {
  const dir = join(work, 'bare');
  if (layer.selfContained) await run_('unzip', ['-q', '-o', layer.zip, 'latchkey/node', '-d', dir]);
  const binary = layer.selfContained ? join(dir, 'latchkey', 'node') : node;
  const started = performance.now();
  // GNU time's user and system seconds: the CPU the start costs, which a loaded machine does not stretch.
  const { stderr } = await run_('/usr/bin/time', ['-f', '%U %S', binary, '-e', ''], { env: BARE_ENV });
  const wallMs = performance.now() - started;
  if (layer.selfContained) await rm(dir, { recursive: true, force: true });
  const [user = Number.NaN, system = Number.NaN] = stderr.trim().split(' ').map(Number);
  return { wallMs, cpuMs: (user + system) * 1000 };
}

/** What the simulator gives every process and matters to node's start: no NODE_OPTIONS, Lambda's locale and TZ. */
const BARE_ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'en_US.UTF-8', TZ: ':UTC' };

interface Layer {
  readonly name: string;
  readonly zip: string;
  readonly selfContained: boolean;
}

/** One start: wall-clock time, and the CPU time (user + system) the process used in it. */
interface Sample {
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

/** One simulated Init of the layer: spawn of extensions/latchkey to its first event/next. */
async function init(emulator: Emulator, layer: Layer, node: string, port: number): Promise<Sample> {
  let cpuMs = Number.NaN;
  const simulator = await simulate(emulator, layer.zip, node, port, ({ pid }) => {
    if (pid !== undefined) cpuMs = cpuMsOf(pid);
  });
  const wallMs = simulator.timings.extensions[0]?.firstNextMs ?? Number.NaN;
  await simulator.shutdown();
  return { wallMs, cpuMs };
}

/** Medians of `STARTS` Init and bare starts, each pair run back to back (after one of each unmeasured, which warms
 * the file cache), bare first in even pairs and second in odd ones. */
async function starts(
  emulator: Emulator,
  layer: Layer,
  work: string,
  node: string,
  port: number,
): Promise<{ init: Sample; bare: Sample }> {
  await bareNodeStart(layer, work, node);
  await init(emulator, layer, node, port);
  const inits: Sample[] = [];
  const bares: Sample[] = [];
  for (let i = 0; i < STARTS; i += 1) {
    if (i % 2 === 0) bares.push(await bareNodeStart(layer, work, node));
    inits.push(await init(emulator, layer, node, port));
    if (i % 2 === 1) bares.push(await bareNodeStart(layer, work, node));
  }
  const medians = (samples: Sample[]): Sample => ({
    wallMs: median(samples.map((sample) => sample.wallMs)),
    cpuMs: median(samples.map((sample) => sample.cpuMs)),
  });
  return { init: medians(inits), bare: medians(bares) };
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
    const layers: Layer[] = [
      { name: 'x86_64 (self-contained, unpacked for each start)', zip: selfContained, selfContained: true },
      {
        name: 'nodejs (the runtime node)',
        zip: join(work, 'latchkey-extension-nodejs.zip'),
        selfContained: false,
      },
    ];

    const sm = new SecretsManagerClient(emulator.clientConfig);
    const secretId = 'bench/lambda/db';
    await sm.send(new CreateSecretCommand({ Name: secretId, SecretString: 'x'.repeat(512) }));
    sm.destroy();
    const port = await freePort();

    const load = () =>
      loadavg()
        .map((value) => value.toFixed(2))
        .join(', ');
    console.log(`Node ${version}; medians of ${STARTS} starts; load average ${load()}`);
    for (const layer of layers) {
      const { init: started, bare } = await starts(emulator, layer, work, node, port);
      const figures = await reads(emulator, layer.zip, node, port, secretId);
      const ms = (value: number) => `${value.toFixed(1)} ms`;
      console.log(
        `${layer.name}: init (start to first event/next) ${ms(started.wallMs)} vs bare \`node -e ''\` ` +
          `${ms(bare.wallMs)}: ${ms(started.wallMs - bare.wallMs)} above bare (target <= 100); CPU time ` +
          `${ms(started.cpuMs)} vs ${ms(bare.cpuMs)}: ${ms(started.cpuMs - bare.cpuMs)} above bare; first read ` +
          `in the first invoke ${ms(figures.firstMs)}; warm reads p50 ${figures.warmP50Ms.toFixed(2)} ms, ` +
          `p99 ${figures.warmP99Ms.toFixed(2)} ms (${WARM_READS}); resident memory after ` +
          `${INVOKES_BEFORE_RSS} invokes ${figures.rssMb.toFixed(1)} MB; load average ${load()}`,
      );
    }
  } finally {
    await emulator.close();
    await rm(work, { recursive: true, force: true });
  }
}
