/**
 * The Lambda layers as Lambda runs them: `build:layer` builds the three zips, the emulator's Lambda simulator
 * unpacks one as /opt, starts its extension and a function (Node or Python) and drives Init, invocations and
 * Shutdown; the function reads secrets through the extension from the emulator. On an x86_64 machine the arm64 zip
 * runs under qemu user-mode emulation (.ci/install-arm64-emulation sets it up); its contents are also compared with
 * the x86_64 zip's.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  type Emulator,
  LambdaInitError,
  LambdaSimulator,
  type LambdaSimulatorOptions,
  startEmulator,
} from '@latchkey/emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { freePort } from '../../support/ports.js';
import { requireService } from '../../support/services.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const BUILD_LAYER = join(here, '..', '..', '..', 'packages', 'sidecar', 'scripts', 'build-layer.mjs');
const FUNCTIONS = {
  node: { command: process.execPath, args: [join(here, 'functions', 'node-runtime.mjs')] },
  python: { command: 'python3', args: [join(here, 'functions', 'python-runtime.py')] },
};
/** The nodejs layer runs on the runtime's node: this test's own, on PATH as in a nodejs runtime. */
const RUNTIME_NODE_DIR = dirname(process.execPath);

let layerDir: string;
let emulator: Emulator;
let sm: SecretsManagerClient;
const layer = (flavour: 'nodejs' | 'x86_64' | 'arm64') => join(layerDir, `latchkey-extension-${flavour}.zip`);

beforeAll(async () => {
  layerDir = await mkdtemp(join(tmpdir(), 'latchkey-layers-'));
  // The build under test: bundle, Node binaries (from the npm registry, cached) and zips.
  await run(process.execPath, [BUILD_LAYER, '--out', layerDir], { timeout: 280_000 });
  emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
  sm = new SecretsManagerClient({ ...emulator.clientConfig, maxAttempts: 1 });
}, 300_000);

afterAll(async () => {
  sm?.destroy();
  await emulator?.close();
  if (layerDir) await rm(layerDir, { recursive: true, force: true });
});

const running: LambdaSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((simulator) => simulator.dispose()));
});

/** One file of a zip (its first `bytes` only, if given: the rest is not unpacked), by Info-ZIP's unzip, which
 * unpacks as Lambda does. */
function member(zip: string, file: string, bytes = Number.POSITIVE_INFINITY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('unzip', ['-p', zip, file], { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= bytes) child.kill();
    });
    child.once('error', reject);
    child.once('close', () => resolve(Buffer.concat(chunks).subarray(0, bytes)));
  });
}

async function createSecret(value: string): Promise<string> {
  const name = `lambda-${randomBytes(4).toString('hex')}`;
  await sm.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return name;
}

interface Started {
  readonly simulator: LambdaSimulator;
  readonly port: number;
  readonly sessionToken: string;
  /** /ping's status at the moment the extension first called event/next. */
  readonly pingAtFirstNext: number[];
}

async function startFunction(
  zip: string,
  runtime: keyof typeof FUNCTIONS,
  overrides: Partial<LambdaSimulatorOptions> & { endpoint?: string } = {},
): Promise<Started> {
  // Never the fixed 2773: other test runs share this machine.
  const port = await freePort();
  const sessionToken = `session-${randomBytes(12).toString('hex')}`;
  const pingAtFirstNext: number[] = [];
  const simulator = await LambdaSimulator.start({
    layers: [zip],
    runtime: FUNCTIONS[runtime],
    region: emulator.region,
    credentials: { ...emulator.clientConfig.credentials, sessionToken },
    endpoint: emulator.endpoint,
    path: [RUNTIME_NODE_DIR],
    onFirstNext: async () => {
      pingAtFirstNext.push((await fetch(`http://127.0.0.1:${port}/ping`)).status);
    },
    ...overrides,
    environment: { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(port), ...overrides.environment },
  });
  running.push(simulator);
  return { simulator, port, sessionToken, pingAtFirstNext };
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

async function read(simulator: LambdaSimulator, path: string, token?: string | null): Promise<Answer> {
  const invocation = await simulator.invoke(token === undefined ? { path } : { path, token });
  expect(invocation.errorType).toBeUndefined();
  return JSON.parse(invocation.body) as Answer;
}

const secretPath = (id: string) => `/secretsmanager/get?secretId=${encodeURIComponent(id)}`;

/** Under qemu user-mode emulation the arm64 Node runs many times slower (on the 2-core CI machine a bare start took
 * 3 s, the extension's Init 9 s), so its test stretches Lambda's Init (10 s) and Shutdown (2 s) limits, and its own
 * timeout; the other tests keep Lambda's. */
const EMULATED = {
  initTimeoutMs: 60_000,
  shutdownTimeoutMs: 10_000,
  probeTimeoutMs: 30_000,
  testTimeoutMs: 150_000,
};

/** Why the arm64 zip's `node` cannot run on this (x86_64) machine, or undefined when it starts. */
async function arm64Missing(): Promise<string | undefined> {
  // Without a handler the kernel refuses the binary and the shell then reads it as a script: its error is noise.
  const entry = await readFile('/proc/sys/fs/binfmt_misc/qemu-aarch64', 'utf8').catch(() => '');
  if (!entry.startsWith('enabled')) return 'no enabled qemu-aarch64 entry in /proc/sys/fs/binfmt_misc';
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-arm64-node-'));
  try {
    await run('unzip', ['-q', layer('arm64'), 'latchkey/node', '-d', dir]);
    await run(join(dir, 'latchkey', 'node'), ['--version'], { timeout: EMULATED.probeTimeoutMs });
    return undefined;
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    return `the arm64 zip's node did not start: ${(stderr?.trim() || message).split('\n')[0]}`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The limits for the arm64 test, after skipping it (under CI: failing it) when its node cannot run here. */
async function emulatedArm64(context: TestContext): Promise<Partial<LambdaSimulatorOptions>> {
  const missing = await arm64Missing();
  if (missing !== undefined) {
    const what = `arm64 user-mode emulation (${missing})`;
    if (!(await requireService(what, false, 'run .ci/install-arm64-emulation'))) context.skip(what);
  }
  return { initTimeoutMs: EMULATED.initTimeoutMs, shutdownTimeoutMs: EMULATED.shutdownTimeoutMs };
}

describe.each([
  { zip: 'nodejs', runtime: 'node' },
  { zip: 'x86_64', runtime: 'python' },
  { zip: 'x86_64', runtime: 'node' },
  { zip: 'arm64', runtime: 'python' },
] as const)('the $zip layer with a $runtime function', ({ zip, runtime }) => {
  it('serves /ping before its first event/next, reads a secret in the first invoke, then from its cache, and exits 0 at SHUTDOWN within the deadline', {
    timeout: zip === 'arm64' ? EMULATED.testTimeoutMs : undefined,
  }, async (context) => {
    const limits = zip === 'arm64' ? await emulatedArm64(context) : {};
    const value = `value-${randomBytes(8).toString('hex')}`;
    const name = await createSecret(value);
    const { simulator, pingAtFirstNext, sessionToken } = await startFunction(layer(zip), runtime, limits);
    expect(pingAtFirstNext).toEqual([200]);
    expect(simulator.timings.extensions.map((timing) => timing.name)).toEqual(['latchkey']);

    emulator.resetCalls();
    const first = await read(simulator, secretPath(name));
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toMatchObject({ Name: name, SecretString: value });
    const second = await read(simulator, secretPath(name));
    expect(second.status).toBe(200);
    expect(second.body).toBe(first.body);
    expect(emulator.calls('GetSecretValue')).toBe(1);

    const extension = simulator.extensions[0]!;
    const outcome = await simulator.shutdown();
    expect(outcome.extensions).toEqual([
      expect.objectContaining({ name: 'latchkey', code: 0, signal: null, beforeDeadline: true }),
    ]);
    // CloudWatch gets JSON lines, and never a secret or the token.
    const lines = extension.output.trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(lines.some((line) => line.includes('Lambda extension ready'))).toBe(true);
    expect(extension.output).not.toContain(value);
    expect(extension.output).not.toContain(sessionToken);
  });
});

describe('the extension (x86_64 layer, Node function)', () => {
  it('answers 403 to a wrong or missing token', async () => {
    const name = await createSecret('guarded');
    const { simulator } = await startFunction(layer('x86_64'), 'node');
    expect((await read(simulator, secretPath(name), 'not-the-session-token')).status).toBe(403);
    expect((await read(simulator, secretPath(name), null)).status).toBe(403);
  });

  it('takes the token from AWS_CONTAINER_AUTHORIZATION_TOKEN when AWS_SESSION_TOKEN is absent (SnapStart)', async () => {
    const name = await createSecret('snap');
    const snapToken = `container-${randomBytes(12).toString('hex')}`;
    const { simulator } = await startFunction(layer('x86_64'), 'node', {
      environment: { AWS_SESSION_TOKEN: undefined, AWS_CONTAINER_AUTHORIZATION_TOKEN: snapToken },
    });
    expect((await read(simulator, secretPath(name), snapToken)).status).toBe(200);
    expect((await read(simulator, secretPath(name), 'another-token')).status).toBe(403);
  });

  it('serves the Parameter Store route', async () => {
    const ssm = new SSMClient({ ...emulator.clientConfig, maxAttempts: 1 });
    const parameter = `/latchkey/lambda/${randomBytes(4).toString('hex')}`;
    await ssm.send(new PutParameterCommand({ Name: parameter, Value: 'param-value', Type: 'String' }));
    ssm.destroy();
    const { simulator } = await startFunction(layer('x86_64'), 'node');
    const answer = await read(
      simulator,
      `/systemsmanager/parameters/get?name=${encodeURIComponent(parameter)}`,
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ Parameter: { Name: parameter, Value: 'param-value' } });
  });

  it('takes SECRETS_MANAGER_TTL above AWS extension cap of 300 seconds, and keeps the value that long', async () => {
    const name = await createSecret('first');
    const { simulator } = await startFunction(layer('x86_64'), 'node', {
      environment: { SECRETS_MANAGER_TTL: '3600' },
    });
    expect(JSON.parse((await read(simulator, secretPath(name))).body).SecretString).toBe('first');
    await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'second' }));
    expect(JSON.parse((await read(simulator, secretPath(name))).body).SecretString).toBe('first');
  });

  it.each([
    { missing: 'region', unset: ['AWS_REGION', 'AWS_DEFAULT_REGION'], errorType: 'Extension.MissingRegion' },
    {
      missing: 'credentials',
      unset: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'],
      errorType: 'Extension.MissingCredentials',
    },
  ])('reports init/error and exits 1 without a $missing', async ({ missing, unset, errorType }) => {
    const failure = await startFunction(layer('x86_64'), 'node', {
      environment: Object.fromEntries(unset.map((name) => [name, undefined])),
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LambdaInitError);
    const { reports, processes } = failure as LambdaInitError;
    expect(reports).toEqual([expect.objectContaining({ from: 'latchkey', errorType })]);
    const extension = processes.find((process) => process.name === 'latchkey')!;
    expect(extension.exit?.code).toBe(1);
    expect(extension.output).toContain(`start-up failed: no AWS ${missing}`);
  });

  it('starts while the upstream is down and answers reads with the agent error mapping (502)', async () => {
    const down = await startEmulator({ host: '127.0.0.1', port: 0 });
    await down.close();
    const { simulator, pingAtFirstNext } = await startFunction(layer('x86_64'), 'node', {
      endpoint: down.endpoint,
    });
    expect(pingAtFirstNext).toEqual([200]);
    const answer = await read(simulator, secretPath('anything'));
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.body)).toMatchObject({ __type: 'ConnectionError' });
  });

  it('starts while the upstream is slow and answers a read that outlasts SECRETS_MANAGER_TIMEOUT_MILLIS with 504', async () => {
    const name = await createSecret('slow');
    const fault = emulator.faults.inject({ kind: 'latency', latencyMs: 3_000 });
    try {
      const { simulator, pingAtFirstNext } = await startFunction(layer('x86_64'), 'node', {
        environment: { SECRETS_MANAGER_TIMEOUT_MILLIS: '300' },
      });
      expect(pingAtFirstNext).toEqual([200]);
      const answer = await read(simulator, secretPath(name));
      expect(answer.status).toBe(504);
      expect(JSON.parse(answer.body)).toMatchObject({ __type: 'TimeoutError' });
    } finally {
      emulator.faults.clear(fault);
    }
  });
});

describe('the arm64 layer, by its contents', () => {
  it('holds the same executable wrapper and bundle as the x86_64 layer, and an arm64 Linux Node binary', async () => {
    const listing = async (zip: string) =>
      (await run('zipinfo', ['-1', zip])).stdout.trim().split('\n').sort();
    expect(await listing(layer('arm64'))).toEqual(await listing(layer('x86_64')));
    for (const file of ['extensions/latchkey', 'latchkey/latchkey-extension.cjs']) {
      // Buffer.equals: vitest's deep equality walks a 1.6 MB buffer byte by byte, for tens of seconds.
      const [arm, x64] = [await member(layer('arm64'), file), await member(layer('x86_64'), file)];
      expect(arm.length).toBeGreaterThan(0);
      expect(arm.equals(x64)).toBe(true);
    }
    // ELF e_machine (bytes 18-19): 183 is EM_AARCH64, 62 EM_X86_64.
    const arm = await member(layer('arm64'), 'latchkey/node', 20);
    expect(arm.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(arm.readUInt16LE(18)).toBe(183);
    expect((await member(layer('x86_64'), 'latchkey/node', 20)).readUInt16LE(18)).toBe(62);
  });

  it('keeps the executable bits Lambda needs (755 for extensions/latchkey and node)', async () => {
    const { stdout } = await run('zipinfo', [layer('arm64')]);
    expect(stdout).toMatch(/^-rwxr-xr-x .* extensions\/latchkey$/m);
    expect(stdout).toMatch(/^-rwxr-xr-x .* latchkey\/node$/m);
    expect(stdout).toMatch(/^-rw-r--r-- .* latchkey\/latchkey-extension\.cjs$/m);
  });
});
