/**
 * A Lambda execution environment for tests: it unpacks layer zips into a folder that stands in for /opt, starts
 * every `extensions/*` executable and then the function's runtime process with the environment variables Lambda
 * sets, serves them the Runtime and Extensions APIs (./runtime-api.ts), delivers INVOKE events and a SHUTDOWN with
 * Lambda's deadline, and records when each process registered and first waited for an event.
 *
 * What differs from Lambda: the layers are unpacked into a temporary folder, not /opt (so an extension must find
 * its files from its own path); processes run as the current user without Lambda's sandbox, freezing or memory
 * limit; the clock runs between invocations. Unpacking uses the `unzip` program (Info-ZIP), which keeps the files'
 * modes as Lambda does.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { access, constants, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import {
  type ErrorReport,
  type InvocationResult,
  type RegisteredExtension,
  RuntimeApi,
} from './runtime-api.js';

const run = promisify(execFile);

/** Lambda's Init phase limit for extensions and the runtime together (10 s), before it fails the init. */
const INIT_TIMEOUT_MS = 10_000;
/** With external extensions the Shutdown phase lasts 2,000 ms, of which the runtime gets up to 300 ms. */
const SHUTDOWN_MS = 2_000;
const RUNTIME_SHUTDOWN_MS = 300;
/** How long an extension that reported init/error gets to exit by itself before it is killed. */
const REPORTER_EXIT_MS = 2_000;

export interface LambdaCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

export interface LambdaSimulatorOptions {
  /** Layer zips, unpacked in order into the folder that stands in for /opt. */
  readonly layers: readonly string[];
  /** The function's runtime process (a bootstrap speaking the Runtime API), started after every extension
   * registered. `cwd` stands in for LAMBDA_TASK_ROOT (/var/task). */
  readonly runtime: { readonly command: string; readonly args?: readonly string[]; readonly cwd?: string };
  readonly functionName?: string;
  readonly region?: string;
  readonly credentials: LambdaCredentials;
  /** An endpoint serving Secrets Manager and SSM (the emulator): AWS_ENDPOINT_URL_SECRETS_MANAGER and _SSM. */
  readonly endpoint?: string;
  /** The function's environment variables (given to the runtime and to extensions); `undefined` removes one
   * that Lambda would set, e.g. `{ AWS_REGION: undefined }`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Folders put before the layer's bin/ and the system folders on PATH (a nodejs runtime's node, say). */
  readonly path?: readonly string[];
  readonly memorySizeMb?: number;
  /** Called when an extension makes its first event/next call, while it waits there; Init ends after it. `pid`:
   * its process (to measure it at that moment). */
  readonly onFirstNext?: (extension: { name: string; pid: number | undefined }) => Promise<void> | void;
  /** The Init phase's limit (Lambda: 10,000 ms) and the Shutdown phase's length (Lambda: 2,000 ms with external
   * extensions): longer only for processes that run slowed down, e.g. under user-mode emulation. */
  readonly initTimeoutMs?: number;
  readonly shutdownTimeoutMs?: number;
}

export interface ProcessRecord {
  readonly name: string;
  readonly child: ChildProcess;
  /** stdout and stderr together, as Lambda sends both to CloudWatch. */
  output: string;
  /** When the process was started, on the simulator's clock (ms). */
  readonly spawnedAtMs: number;
  exit: { code: number | null; signal: NodeJS.Signals | null; atMs: number } | undefined;
  readonly exited: Promise<void>;
}

export interface ExtensionTiming {
  readonly name: string;
  /** Process start to its register call, and to its first event/next (the end of its Init). */
  readonly registerMs: number | undefined;
  readonly firstNextMs: number | undefined;
}

export interface Invocation extends InvocationResult {
  /** From the INVOKE event to the runtime's answer. */
  readonly durationMs: number;
}

export interface ShutdownOutcome {
  readonly deadlineMs: number;
  readonly extensions: readonly {
    readonly name: string;
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    /** From the SHUTDOWN event to the process's exit. */
    readonly exitedAfterMs: number;
    /** False when the simulator had to SIGKILL it at the deadline. */
    readonly beforeDeadline: boolean;
  }[];
}

/** Init did not complete: an init/error, a process that exited, or the Init timeout. */
export class LambdaInitError extends Error {
  constructor(
    message: string,
    readonly reports: readonly ErrorReport[],
    readonly processes: readonly ProcessRecord[],
  ) {
    super(message);
    this.name = 'LambdaInitError';
  }
}

export class LambdaSimulator {
  readonly extensions: ProcessRecord[] = [];
  runtime: ProcessRecord | undefined;
  private invocationCount = 0;

  private constructor(
    readonly api: RuntimeApi,
    /** The folder that stands in for /opt. */
    readonly optDir: string,
    private readonly options: LambdaSimulatorOptions,
    private readonly functionArn: string,
  ) {}

  /** Unpacks the layers, runs the Init phase, and resolves when it has ended (or throws LambdaInitError). */
  static async start(options: LambdaSimulatorOptions): Promise<LambdaSimulator> {
    const optDir = await mkdtemp(join(tmpdir(), 'latchkey-lambda-opt-'));
    try {
      for (const layer of options.layers) await unpack(layer, optDir);
      const names = await executables(join(optDir, 'extensions'));
      const functionName = options.functionName ?? 'latchkey-simulated';
      const accountId = '123456789012';
      const region = options.region ?? 'us-east-1';
      const api = await RuntimeApi.start(
        { functionName, functionVersion: '$LATEST', handler: 'index.handler', accountId },
        new Set(names),
      );
      const arn = `arn:aws:lambda:${region}:${accountId}:function:${functionName}`;
      const simulator = new LambdaSimulator(api, optDir, options, arn);
      await simulator.init(names);
      return simulator;
    } catch (error) {
      await rm(optDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Process start to register and to first event/next, per extension; and the runtime's to its first
   * invocation/next. */
  get timings(): { extensions: ExtensionTiming[]; runtimeFirstNextMs: number | undefined } {
    const registered = [...this.api.extensions.values()];
    return {
      extensions: this.extensions.map((process) => {
        const extension = registered.find((candidate) => candidate.name === process.name);
        return {
          name: process.name,
          registerMs: since(process, extension?.registeredAtMs),
          firstNextMs: since(process, extension?.firstNextAtMs),
        };
      }),
      runtimeFirstNextMs: this.runtime && since(this.runtime, this.api.runtimeFirstNextAtMs),
    };
  }

  /** One invocation: INVOKE to every subscribed extension, the event to the runtime; resolves once the runtime
   * answered and every extension is back in event/next (when Lambda would freeze the environment). */
  async invoke(event: unknown, timeoutMs = 30_000): Promise<Invocation> {
    this.invocationCount += 1;
    const deadlineMs = Date.now() + timeoutMs;
    const started = this.api.now();
    this.api.sendToExtensions({
      eventType: 'INVOKE',
      deadlineMs,
      requestId: `invoke-${this.invocationCount}`,
      invokedFunctionArn: this.functionArn,
      tracing: { type: 'X-Amzn-Trace-Id', value: 'Root=1-00000000-000000000000000000000000;Sampled=0' },
    });
    const result = await this.within(
      this.api.invoke(JSON.stringify(event), deadlineMs, this.functionArn),
      timeoutMs,
      'the runtime did not answer the invocation',
    );
    const durationMs = this.api.now() - started;
    await this.until(() => this.allWaiting(), timeoutMs, 'an extension did not return to event/next');
    return { ...result, durationMs };
  }

  /** The Shutdown phase: SIGTERM to the runtime (SIGKILL after 300 ms), then SHUTDOWN to every extension
   * subscribed to it, with a deadline 2,000 ms (or `shutdownTimeoutMs`) after the phase began; SIGKILL to whatever
   * is left at the deadline. */
  async shutdown(reason: 'spindown' | 'timeout' | 'failure' = 'spindown'): Promise<ShutdownOutcome> {
    const phaseStart = Date.now();
    const deadlineMs = phaseStart + (this.options.shutdownTimeoutMs ?? SHUTDOWN_MS);
    if (this.runtime) await stop(this.runtime, RUNTIME_SHUTDOWN_MS);
    const sentAt = this.api.now();
    this.api.sendToExtensions({ eventType: 'SHUTDOWN', shutdownReason: reason, deadlineMs });
    const outcomes = await Promise.all(
      this.extensions.map(async (process) => {
        const beforeDeadline = await exitsWithin(process, deadlineMs - Date.now());
        if (!beforeDeadline) await stop(process, 0);
        return {
          name: process.name,
          code: process.exit?.code ?? null,
          signal: process.exit?.signal ?? null,
          exitedAfterMs: (process.exit?.atMs ?? this.api.now()) - sentAt,
          beforeDeadline,
        };
      }),
    );
    await this.dispose();
    return { deadlineMs, extensions: outcomes };
  }

  /** Kills every process and removes the /opt folder (after a failed test, say). Safe to call twice. */
  async dispose(): Promise<void> {
    await Promise.all([...this.extensions, ...(this.runtime ? [this.runtime] : [])].map((p) => stop(p, 0)));
    await this.api.close();
    await rm(this.optDir, { recursive: true, force: true });
  }

  private async init(names: readonly string[]): Promise<void> {
    const timeoutMs = this.options.initTimeoutMs ?? INIT_TIMEOUT_MS;
    const hooks: Promise<void>[] = [];
    this.api.on('firstNext', (extension: RegisteredExtension) => {
      const pid = this.extensions.find((process) => process.name === extension.name)?.child.pid;
      hooks.push(Promise.resolve(this.options.onFirstNext?.({ name: extension.name, pid })));
    });
    for (const name of names) {
      this.extensions.push(
        this.spawn(name, join(this.optDir, 'extensions', name), [], this.extensionEnvironment()),
      );
    }
    try {
      // Extension init: the runtime starts once every extension has registered.
      await this.until(
        () => this.api.extensions.size === names.length,
        timeoutMs,
        'not every extension registered',
      );
      const { command, args = [], cwd } = this.options.runtime;
      this.runtime = this.spawn('runtime', command, args, this.runtimeEnvironment(), cwd);
      // Init ends when the runtime and every extension wait for their next event.
      await this.until(
        () => this.api.runtimeWaitingForInvocation && this.allWaiting(),
        timeoutMs,
        'Init did not complete',
      );
      await Promise.all(hooks);
    } catch (error) {
      // An extension that reported init/error exits by itself (with its own code) before the environment goes.
      const reporters = new Set(this.api.errors.map((report) => report.from));
      await Promise.all(
        this.extensions.filter((p) => reporters.has(p.name)).map((p) => exitsWithin(p, REPORTER_EXIT_MS)),
      );
      await this.dispose();
      throw new LambdaInitError(
        (error as Error).message,
        this.api.errors,
        this.runtime ? [...this.extensions, this.runtime] : this.extensions,
      );
    }
  }

  private allWaiting(): boolean {
    return [...this.api.extensions.values()].every(
      (extension) => extension.waiting !== undefined && extension.queue.length === 0,
    );
  }

  /** Resolves when `condition` holds; rejects on an init/error or exit/error report, on a process exiting, or
   * after `timeoutMs`. */
  private until(condition: () => boolean, timeoutMs: number, failure: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const report = this.api.errors[0];
        const exited = [...this.extensions, ...(this.runtime ? [this.runtime] : [])].find((p) => p.exit);
        if (condition()) finish();
        else if (report) finish(new Error(`${failure}: ${report.from} reported ${report.errorType}`));
        else if (exited) finish(new Error(`${failure}: ${exited.name} exited (${describeExit(exited)})`));
      };
      const timer = setTimeout(() => finish(new Error(`${failure} within ${timeoutMs} ms`)), timeoutMs);
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.api.off('changed', check);
        for (const process of this.extensions) process.child.off('exit', check);
        this.runtime?.child.off('exit', check);
        if (error) reject(error);
        else resolve();
      };
      this.api.on('changed', check);
      for (const process of this.extensions) process.child.on('exit', check);
      this.runtime?.child.on('exit', check);
      check();
    });
  }

  private within<T>(promise: Promise<T>, timeoutMs: number, failure: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${failure} within ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  /** What Lambda gives an extension: the function's credentials, region, name, memory, version and its own
   * variables; not the runtime's (_HANDLER, LAMBDA_TASK_ROOT, AWS_EXECUTION_ENV, AWS_LAMBDA_LOG_*). */
  private extensionEnvironment(): NodeJS.ProcessEnv {
    const { credentials, region = 'us-east-1', functionName = 'latchkey-simulated' } = this.options;
    const system = ['/usr/local/bin', '/usr/bin', '/bin'];
    const base: Record<string, string | undefined> = {
      PATH: [...(this.options.path ?? []), join(this.optDir, 'bin'), ...system].join(delimiter),
      LD_LIBRARY_PATH: join(this.optDir, 'lib'),
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      AWS_LAMBDA_RUNTIME_API: this.api.address,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(this.options.memorySizeMb ?? 128),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      ...(this.options.endpoint
        ? {
            AWS_ENDPOINT_URL_SECRETS_MANAGER: this.options.endpoint,
            AWS_ENDPOINT_URL_SSM: this.options.endpoint,
          }
        : {}),
      ...this.options.environment,
    };
    return Object.fromEntries(Object.entries(base).filter(([, value]) => value !== undefined));
  }

  private runtimeEnvironment(): NodeJS.ProcessEnv {
    const functionName = this.options.functionName ?? 'latchkey-simulated';
    return {
      ...this.extensionEnvironment(),
      _HANDLER: 'index.handler',
      LAMBDA_TASK_ROOT: this.options.runtime.cwd ?? process.cwd(),
      AWS_EXECUTION_ENV: 'AWS_Lambda_simulated',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: 'simulated',
    };
  }

  private spawn(
    name: string,
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
    cwd?: string,
  ): ProcessRecord {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const record: ProcessRecord = {
      name,
      child,
      output: '',
      spawnedAtMs: this.api.now(),
      exit: undefined,
      exited: new Promise((resolve) => {
        child.once('close', () => resolve());
      }),
    };
    const collect = (chunk: Buffer) => {
      record.output += chunk.toString('utf8');
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    // An executable that cannot start (not executable, bad interpreter) exits Lambda's way: as a failed process.
    child.once('error', (error) => {
      record.output += `${error.message}\n`;
      record.exit ??= { code: 127, signal: null, atMs: this.api.now() };
      child.emit('exit', 127, null);
    });
    child.once('exit', (code, signal) => {
      record.exit ??= { code, signal, atMs: this.api.now() };
    });
    return record;
  }
}

function since(process: ProcessRecord, atMs: number | undefined): number | undefined {
  return atMs === undefined ? undefined : atMs - process.spawnedAtMs;
}

function describeExit(process: ProcessRecord): string {
  const exit = process.exit;
  return exit?.signal ? `signal ${exit.signal}` : `code ${exit?.code}`;
}

async function unpack(zip: string, dir: string): Promise<void> {
  try {
    await run('unzip', ['-q', '-o', zip, '-d', dir]);
  } catch (error) {
    const { code, stderr } = error as { code?: string | number; stderr?: string };
    if (code === 'ENOENT') {
      throw new Error('the Lambda simulator unpacks layers with the unzip program, which is not installed');
    }
    throw new Error(`could not unpack the layer ${zip}: ${String(stderr).trim()}`);
  }
}

/** The files Lambda would start: every executable regular file in /opt/extensions. */
async function executables(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const ok = await access(join(dir, entry.name), constants.X_OK).then(
      () => true,
      () => false,
    );
    if (ok) names.push(entry.name);
  }
  return names.sort();
}

function exitsWithin(process: ProcessRecord, timeoutMs: number): Promise<boolean> {
  if (process.exit) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs));
    process.child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs` (at once when 0); resolves once the process is gone. */
async function stop(process: ProcessRecord, graceMs: number): Promise<void> {
  if (process.exit) return process.exited;
  process.child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  if (graceMs > 0 && !(await exitsWithin(process, graceMs))) process.child.kill('SIGKILL');
  await process.exited;
}
