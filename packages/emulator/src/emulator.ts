import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallLog, type RequestLogEntry } from './call-log.js';
import { DataFileError } from './errors.js';
import { FaultInjector } from './faults.js';
import { DataFileWriter, loadDataFile } from './persistence.js';
import { RequestQuotas } from './quotas.js';
import { type RotationHandler, type RotationOutcome, RotationRunner } from './rotation/runner.js';
import type { SecretsManagerContext } from './secretsmanager/context.js';
import { AWSCURRENT, AWSPENDING, findVersion } from './secretsmanager/model.js';
import { secretsManagerOperations } from './secretsmanager/operations.js';
import { rotateDueSecrets } from './secretsmanager/rotation.js';
import { nextRotation } from './secretsmanager/schedule.js';
import { detachStage } from './secretsmanager/stages.js';
import { SecretStore } from './secretsmanager/store.js';
import { applyParameterSeed, applySeed, type SeedParameter, type SeedSecret } from './seed.js';
import { createAdminRoutes } from './server/admin.js';
import { createEmulatorServer } from './server/http-server.js';
import type { SsmContext } from './ssm/context.js';
import { ssmOperations } from './ssm/operations.js';
import { SecureStringSealer } from './ssm/secure-string.js';
import { ParameterStore } from './ssm/store.js';
import { type RoleSettings, STS_OPERATIONS, StsService } from './sts/sts.js';

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port); the CLI defaults to 4566. */
  port?: number;
  /** Default us-east-1. */
  region?: string;
  /** Twelve digits; default 000000000000. */
  accountId?: string;
  /** Keep secrets and parameters in this JSON file across restarts (atomic writes). In memory when absent. */
  dataFile?: string;
  /** Secrets to create at start-up unless they exist. */
  seed?: SeedSecret[];
  /** Parameter Store parameters to create at start-up unless they exist. */
  seedParameters?: SeedParameter[];
  /** The clock for dates, deletion windows and credential expiry (ms since the epoch). Default Date.now. */
  now?: () => number;
  /** Larger request bodies are refused with 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** How many recent requests `requestLog` keeps. Default 10,000. */
  requestLogLimit?: number;
  /** A rotation step that takes longer fails. Default 5 minutes. */
  rotationStepTimeoutMs?: number;
  /**
   * Enforces Secrets Manager's request-rate quotas (GetSecretValue 10,000/s, DescribeSecret 40,000/s, ...) times
   * this factor, answering the excess with 400 ThrottlingException "Rate exceeded" as AWS does: 1 for AWS's
   * defaults, 0.01 to let 100 clients stand for 10,000. Timed by `now`. Default: no quotas.
   */
  quotaScale?: number;
}

/** Pass to `new SecretsManagerClient(emu.clientConfig)`, `new SSMClient(...)` or `new STSClient(...)`. */
export interface ClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** Plugs rotation functions in and observes rotations. */
export interface RotationController {
  /** Registers a rotation function under a Lambda ARN: an in-process handler or an http(s) URL. */
  register(lambdaArn: string, target: RotationHandler | string | URL): void;
  unregister(lambdaArn: string): void;
  /** Resolves when the secret (name or ARN) has no rotation running, with the outcome of its latest rotation. */
  whenIdle(secretId: string): Promise<RotationOutcome | undefined>;
  /**
   * Does what the service's scheduler does for every secret whose NextRotationDate has passed (by the `now`
   * clock): starts a rotation, or retries the unfinished one with its token. Returns the ARNs it started.
   */
  rotateDue(): string[];
}

const DEFAULT_CREDENTIALS = {
  accessKeyId: 'AKIDLATCHKEYEMULATOR',
  secretAccessKey: 'latchkey-emulator-secret-key',
};

export class Emulator {
  readonly endpoint: string;
  readonly clientConfig: ClientConfig;
  readonly faults: FaultInjector;
  readonly rotation: RotationController;
  /** STS settings: e.g. `emu.sts.configureRole(roleArn, { externalId: 'x' })`. */
  readonly sts: { configureRole(roleArn: string, settings: RoleSettings): void };
  private closing: Promise<void> | undefined;

  /** @internal Use startEmulator(). */
  constructor(
    private readonly server: Server,
    readonly region: string,
    readonly accountId: string,
    private readonly callLog: CallLog,
    faults: FaultInjector,
    rotation: RotationController,
    sts: StsService,
    private readonly flush: () => Promise<void>,
  ) {
    const { address, port } = server.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    this.endpoint = `http://${host}:${port}`;
    this.clientConfig = { endpoint: this.endpoint, region, credentials: { ...DEFAULT_CREDENTIALS } };
    this.faults = faults;
    this.rotation = rotation;
    this.sts = { configureRole: (roleArn, settings) => sts.configureRole(roleArn, settings) };
  }

  /** Calls of one operation since start or resetCalls(); without an argument, every operation's count. */
  calls(): Record<string, number>;
  calls(operation: string): number;
  calls(operation?: string): number | Record<string, number> {
    return operation === undefined ? this.callLog.calls() : this.callLog.calls(operation);
  }

  /** Calls refused by a rate quota (`quotaScale`), of one operation or of each; also counted by calls(). */
  throttled(): Record<string, number>;
  throttled(operation: string): number;
  throttled(operation?: string): number | Record<string, number> {
    return operation === undefined ? this.callLog.throttled() : this.callLog.throttled(operation);
  }

  /** Resets the counters and the request log. */
  resetCalls(): void {
    this.callLog.reset();
  }

  /** Recent requests, oldest first: operation, caller's access key and principal, SecretId, status, error. */
  get requestLog(): RequestLogEntry[] {
    return this.callLog.entries;
  }

  /** Stops listening, drops open connections and finishes pending data-file writes. Calling it again is harmless. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    }).then(() => this.flush());
    return this.closing;
  }
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  if (!/^\d{12}$/.test(accountId)) throw new TypeError(`accountId must be twelve digits; got ${accountId}.`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    throw new TypeError(`region ${region} is not an AWS region name.`);
  const now = options.now ?? Date.now;
  const quotas = options.quotaScale === undefined ? undefined : new RequestQuotas(options.quotaScale, now);
  const account = { partition: 'aws', region, accountId };
  const store = new SecretStore(account, now);
  const parameters = new ParameterStore(account);
  /** Changes with every change to secrets or parameters (both counters only grow). */
  const revision = () => store.revision + parameters.revision;

  let writer: DataFileWriter | undefined;
  if (options.dataFile) {
    const dataFile = options.dataFile;
    const stored = await loadDataFile(dataFile, region, accountId);
    for (const secret of stored?.secrets ?? []) store.insert(secret);
    for (const parameter of stored?.parameters ?? []) parameters.insert(parameter);
    const snapshot = () => ({ secrets: store.all(), parameters: parameters.all() });
    writer = new DataFileWriter(dataFile, snapshot, { region, accountId });
    // Create a missing file now, so an unwritable location is reported at start-up rather than on the first change.
    if (!stored) {
      await writer.save().catch((error: Error) => Promise.reject(new DataFileError(dataFile, error.message)));
    }
  }
  const persist = () => writer?.save() ?? Promise.resolve();

  const runner = new RotationRunner(async (secretArn, versionId) => {
    const secret = store.lookup(secretArn);
    const version = secret && findVersion(secret, versionId);
    if (!secret || !version) return `Secret ${secretArn} or its version ${versionId} no longer exists.`;
    if (!version.stages.includes(AWSCURRENT)) {
      return `finishSecret completed, but version ${versionId} of ${secret.name} is not AWSCURRENT.`;
    }
    // The service, not the function, takes AWSPENDING off the new current version once rotation succeeds.
    detachStage(version, AWSPENDING);
    secret.lastRotatedAt = now();
    secret.nextRotationAt = nextRotation(secret.rotationRules, secret.lastRotatedAt);
    store.markChanged();
    await persist();
    return undefined;
  }, options.rotationStepTimeoutMs ?? 300_000);

  const context: SecretsManagerContext = { store, now, rotation: runner };
  const ssm: SsmContext = { store: parameters, secrets: store, now, sealer: new SecureStringSealer() };
  const beforeSeed = revision();
  if (options.seed) applySeed(context, options.seed);
  if (options.seedParameters) applyParameterSeed(ssm, options.seedParameters);
  if (revision() !== beforeSeed) await persist();
  const arnOf = (secretId: string) => store.lookup(secretId)?.arn ?? secretId;
  const rotation: RotationController = {
    register: (lambdaArn, target) => runner.register(lambdaArn, target),
    unregister: (lambdaArn) => runner.unregister(lambdaArn),
    whenIdle: (secretId) => runner.whenIdle(arnOf(secretId)),
    rotateDue: () => {
      const revision = store.revision;
      const started = rotateDueSecrets(context);
      if (store.revision !== revision)
        void persist().catch((error) => console.error('latchkey-emulator:', error));
      return started;
    },
  };

  const callLog = new CallLog(options.requestLogLimit ?? 10_000);
  const faults = new FaultInjector([
    ...Object.keys(secretsManagerOperations),
    ...Object.keys(ssmOperations),
    ...STS_OPERATIONS,
  ]);
  const sts = new StsService(accountId, now);
  const server = createEmulatorServer({
    secretsManager: context,
    ssm,
    sts,
    faults,
    quotas,
    callLog,
    revision,
    persist,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    admin: createAdminRoutes({
      callLog,
      faults,
      registerRotationUrl: (lambdaArn, url) => runner.register(lambdaArn, url),
      unregisterRotation: (lambdaArn) => runner.unregister(lambdaArn),
      whenRotationIdle: (secretId) => rotation.whenIdle(secretId),
      rotateDue: () => rotation.rotateDue(),
    }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const flush = () => writer?.idle() ?? Promise.resolve();
  return new Emulator(server, region, accountId, callLog, faults, rotation, sts, flush);
}
