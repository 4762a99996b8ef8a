// Lambda extension benchmark (`npm run bench -- lambda`), one run, side by side, through the emulator's Lambda
// simulator with the layers build:layer writes:
// - extension init: process start to its first event/next (the end of its Init), median of 20, for the
//   self-contained x86_64 layer and the nodejs layer (run on the same Node binary), next to a bare `node -e ''`
//   start on that binary (target: at most 100 ms above bare);
// - the first secret read inside the first invoke (a miss: the AWS SDK client's first call), and warm reads
//   (cache hits) p50/p99, as the function measures them (Node fetch to localhost);
// - the extension's resident memory after 100 invokes.
import { execFile, spawn } from 'node:child_process';
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
const NODE_FUNCTION = join(root, 'test/lambda/functions/node-runtime.mjs');
const STARTS = 20;
const WARM_READS = 200;
const INVOKES_BEFORE_RSS = 100;
const SESSION_TOKEN = 'bench-session-token';

/** Spawn to exit of `node -e ''`, median of `STARTS`. */
async function bareNodeStartMs(node: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < STARTS; i += 1) {
    const started = performance.now();
    await new Promise((resolve) => spawn(node, ['-e', ''], { stdio: 'ignore' }).once('exit', resolve));
    times.push(performance.now() - started);
  }
  return median(times);
}

function simulate(emulator: Emulator, layer: string, node: string, port: number): Promise<LambdaSimulator> {
  return LambdaSimulator.start({
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

async function initMs(emulator: Emulator, layer: string, node: string, port: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < STARTS; i += 1) {
    const simulator = await simulate(emulator, layer, node, port);
    times.push(simulator.timings.extensions[0]?.firstNextMs ?? Number.NaN);
    await simulator.shutdown();
  }
  return median(times);
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
    const layers = {
      'x86_64 (self-contained)': join(work, 'latchkey-extension-x86_64.zip'),
      'nodejs (runtime node)': join(work, 'latchkey-extension-nodejs.zip'),
    };
    // The Node binary the self-contained layer carries.
    await run_('unzip', ['-q', layers['x86_64 (self-contained)'], 'latchkey/node', '-d', work]);
    const node = join(work, 'latchkey', 'node');
    const version = (await run_(node, ['--version'])).stdout.trim();

    const sm = new SecretsManagerClient(emulator.clientConfig);
    const secretId = 'bench/lambda/db';
    await sm.send(new CreateSecretCommand({ Name: secretId, SecretString: 'x'.repeat(512) }));
    sm.destroy();
    const port = await freePort();

    const bare = await bareNodeStartMs(node);
    console.log(
      `bare \`node -e ''\` on Node ${version}, spawn to exit, median of ${STARTS}: ${bare.toFixed(1)} ms`,
    );
    for (const [name, layer] of Object.entries(layers)) {
      const init = await initMs(emulator, layer, node, port);
      const figures = await reads(emulator, layer, node, port, secretId);
      console.log(
        `${name}: init (start to first event/next, median of ${STARTS}) ${init.toFixed(1)} ms, ` +
          `${(init - bare).toFixed(1)} ms above bare node (target <= 100); first read in the first invoke ` +
          `${figures.firstMs.toFixed(1)} ms; warm reads p50 ${figures.warmP50Ms.toFixed(2)} ms, ` +
          `p99 ${figures.warmP99Ms.toFixed(2)} ms (${WARM_READS}); resident memory after ${INVOKES_BEFORE_RSS} invokes ` +
          `${figures.rssMb.toFixed(1)} MB`,
      );
    }
  } finally {
    await emulator.close();
    await rm(work, { recursive: true, force: true });
  }
}
