// The Secrets Manager the simulated fleet talks to: secrets with versions and stages, the emulator's request-rate
// quotas (token buckets) on virtual time, a fixed latency, outages, and per-second call counters. Each client
// reaches it through its own model of the AWS SDK's standard retry strategy, as a real client would.
import { RequestQuotas } from '@latchkey/emulator';
import {
  type BatchItem,
  type SecretDescription,
  SecretNotFoundError,
  type SecretRequest,
  type SecretSource,
  type SecretValue,
  ThrottledError,
  UpstreamUnavailableError,
} from '@latchkey/sdk';
import type { VirtualClock } from './virtual-clock.js';

export const OPERATIONS = ['GetSecretValue', 'DescribeSecret', 'BatchGetSecretValue'] as const;
export type Operation = (typeof OPERATIONS)[number];

interface Secret {
  readonly arn: string;
  readonly name: string;
  readonly values: Map<string, SecretValue>;
  description: SecretDescription;
}

/** Calls of one operation, per second of virtual time since the counters were reset. */
class Counter {
  attempts: number[] = [];
  throttled = 0;
  ok = 0;

  add(second: number): void {
    this.attempts[second] = (this.attempts[second] ?? 0) + 1;
  }
}

export class Upstream {
  readonly #clock: VirtualClock;
  readonly #latencyMs: number;
  readonly #quotas: RequestQuotas;
  readonly #secrets = new Map<string, Secret>();
  #versionSeq = 0;
  #outageUntil = Number.NEGATIVE_INFINITY;
  #countersFrom = 0;
  counters = new Map<Operation, Counter>();
  /** Versions whose credentials the database no longer accepts (a single-user rotation's setSecret). */
  readonly revoked = new Set<string>();

  /** `quotaScale`: the emulator's factor; a sample of n clients standing for N runs with n / N. */
  constructor(clock: VirtualClock, quotaScale: number, latencyMs = 20) {
    this.#clock = clock;
    this.#latencyMs = latencyMs;
    this.#quotas = new RequestQuotas(quotaScale, () => clock.now());
    this.resetCounters();
  }

  resetCounters(): void {
    this.#countersFrom = this.#clock.now();
    this.counters = new Map(OPERATIONS.map((operation) => [operation, new Counter()]));
  }

  /** Creates a secret with one AWSCURRENT version. */
  create(name: string): void {
    const secret: Secret = {
      arn: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-AbCdEf`,
      name,
      values: new Map(),
      description: { arn: '', name, versionIdsToStages: {} },
    };
    this.#secrets.set(name, secret);
    this.#addVersion(secret, ['AWSCURRENT']);
  }

  /** createSecret: a new version labelled AWSPENDING. Returns its id. */
  startRotation(name: string): string {
    return this.#addVersion(this.#secret(name), ['AWSPENDING']);
  }

  /** finishSecret: AWSCURRENT moves to the pending version, the old one becomes AWSPREVIOUS. */
  finishRotation(name: string): void {
    const secret = this.#secret(name);
    const stages = secret.description.versionIdsToStages as Record<string, string[]>;
    const pending = Object.keys(stages).find((id) => stages[id]?.includes('AWSPENDING')) as string;
    const current = Object.keys(stages).find((id) => stages[id]?.includes('AWSCURRENT')) as string;
    this.#relabel(secret, { [pending]: ['AWSCURRENT'], [current]: ['AWSPREVIOUS'] });
  }

  currentVersion(name: string): string {
    const stages = this.#secret(name).description.versionIdsToStages ?? {};
    return Object.keys(stages).find((id) => stages[id]?.includes('AWSCURRENT')) as string;
  }

  /** Every call fails (connection refused) from now for `durationMs`. */
  outage(durationMs: number): void {
    this.#outageUntil = this.#clock.now() + durationMs;
  }

  /** One call as the service sees it: counted, then refused (outage, quota) or answered after the latency. */
  call<T>(operation: Operation, answer: () => T): Promise<T> {
    const now = this.#clock.now();
    const counter = this.counters.get(operation) as Counter;
    counter.add(Math.floor((now - this.#countersFrom) / 1000));
    let outcome: () => T;
    if (now < this.#outageUntil) {
      outcome = refused;
    } else if (!this.#quotas.admit(operation)) {
      counter.throttled++;
      outcome = throttled;
    } else {
      counter.ok++;
      outcome = answer;
    }
    return new Promise<T>((resolve, reject) => {
      this.#clock.schedule(() => {
        try {
          resolve(outcome());
        } catch (error) {
          reject(error);
        }
      }, this.#latencyMs);
    });
  }

  getValue(request: SecretRequest): SecretValue {
    const secret = this.#secret(request.secretId);
    let versionId = request.versionId;
    if (versionId === undefined) {
      const stage = request.versionStage ?? 'AWSCURRENT';
      const stages = secret.description.versionIdsToStages ?? {};
      versionId = Object.keys(stages).find((id) => stages[id]?.includes(stage));
    }
    const value = versionId === undefined ? undefined : secret.values.get(versionId);
    if (value === undefined) {
      throw new SecretNotFoundError(`Secrets Manager can't find the specified secret value`, {
        secretId: request.secretId,
      });
    }
    return value;
  }

  describe(secretId: string): SecretDescription {
    return this.#secret(secretId).description;
  }

  #secret(name: string): Secret {
    const secret = this.#secrets.get(name);
    if (secret === undefined) throw new SecretNotFoundError(`no secret ${name}`, { secretId: name });
    return secret;
  }

  #addVersion(secret: Secret, stages: string[]): string {
    const versionId = `v${++this.#versionSeq}`;
    secret.values.set(versionId, {
      arn: secret.arn,
      name: secret.name,
      versionId,
      versionStages: stages,
      createdDate: new Date(this.#clock.now()),
      string: `{"password":"${versionId}"}`,
    });
    const labels = { ...(secret.description.versionIdsToStages as Record<string, string[]>) };
    if (stages.includes('AWSCURRENT')) {
      for (const id of Object.keys(labels)) labels[id] = id === versionId ? [] : ['AWSPREVIOUS'];
    }
    labels[versionId] = stages;
    this.#relabel(secret, labels);
    return versionId;
  }

  /** Replaces stage labels (a new frozen description, as each DescribeSecret answer is a new document). */
  #relabel(secret: Secret, changes: Record<string, string[]>): void {
    const labels = { ...(secret.description.versionIdsToStages as Record<string, string[]>), ...changes };
    for (const [id, stages] of Object.entries(labels)) {
      const value = secret.values.get(id) as SecretValue;
      if (value.versionStages.join() !== stages.join())
        secret.values.set(id, { ...value, versionStages: stages });
    }
    secret.description = Object.freeze({ arn: secret.arn, name: secret.name, versionIdsToStages: labels });
  }
}

// One instance of each error, thrown again and again: building an Error (its stack) per call would dominate the run.
const REFUSED = new UpstreamUnavailableError('connect ECONNREFUSED', 'network');
const THROTTLED = new ThrottledError('Rate exceeded', {
  upstreamCode: 'ThrottlingException',
  httpStatus: 400,
  upstreamMessage: 'Rate exceeded',
});
const refused = (): never => {
  throw REFUSED;
};
const throttled = (): never => {
  throw THROTTLED;
};

const SDK_MAX_ATTEMPTS = 3;
const SDK_RETRY_TOKENS = 500;

/**
 * One client's AWS SDK for JavaScript v3 with its default standard retry strategy: 3 attempts; a retry waits a
 * random time up to base × 2^retries (base 500 ms after a throttle, 100 ms otherwise, at most 20 s) and spends 5
 * tokens of the client's 500 (10 after a timeout); a success gives back what its retries spent (1 when it needed
 * none). Without tokens, errors are not retried.
 */
export class SdkClient {
  #tokens = SDK_RETRY_TOKENS;

  constructor(
    private readonly upstream: Upstream,
    private readonly clock: VirtualClock,
    private readonly random: () => number,
  ) {}

  async send<T>(operation: Operation, answer: () => T): Promise<T> {
    let spent = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.upstream.call(operation, answer);
        this.#tokens = Math.min(SDK_RETRY_TOKENS, this.#tokens + (spent > 0 ? spent : 1));
        return result;
      } catch (error) {
        const transient = (error as { transient?: boolean }).transient === true;
        const cost = error instanceof UpstreamUnavailableError && error.reason === 'timeout' ? 10 : 5;
        if (!transient || attempt >= SDK_MAX_ATTEMPTS || this.#tokens < cost) throw error;
        this.#tokens -= cost;
        spent += cost;
        const base = error instanceof ThrottledError ? 500 : 100;
        const delay = Math.min(20_000, this.random() * base * 2 ** (attempt - 1));
        await new Promise<void>((resolve) => this.clock.schedule(resolve, delay));
      }
    }
  }
}

/** The SDK's `SecretSource` over one simulated AWS client (what `AwsSource` is over a real one). */
export class FleetSource implements SecretSource {
  constructor(
    private readonly upstream: Upstream,
    private readonly client: SdkClient,
  ) {}

  getSecretValue(request: SecretRequest): Promise<SecretValue> {
    return this.client.send('GetSecretValue', () => this.upstream.getValue(request));
  }

  describeSecret(secretId: string): Promise<SecretDescription> {
    return this.client.send('DescribeSecret', () => this.upstream.describe(secretId));
  }

  batchGetSecretValue(secretIds: readonly string[]): Promise<BatchItem[]> {
    return this.client.send('BatchGetSecretValue', () =>
      secretIds.map((secretId) => ({ secretId, value: this.upstream.getValue({ secretId }) })),
    );
  }
}
