import { SecretNotFoundError } from '../../src/errors.js';
import type { SecretValue } from '../../src/types/secret.js';
import type { BatchItem, SecretDescription, SecretRequest, SecretSource } from '../../src/types/source.js';

type Operation = 'GetSecretValue' | 'DescribeSecret' | 'BatchGetSecretValue';

interface StubVersion {
  readonly string?: string;
  readonly binary?: Uint8Array;
  stages: string[];
}

interface StubSecret {
  readonly arn: string;
  readonly versions: Map<string, StubVersion>;
}

/** An in-memory SecretSource for unit tests: stage movement like Secrets Manager, call counters, injected failures
 * and a gate that holds calls until released. */
export class StubSource implements SecretSource {
  readonly calls: Record<Operation, number> = {
    GetSecretValue: 0,
    DescribeSecret: 0,
    BatchGetSecretValue: 0,
  };
  /** DescribeSecret omits VersionIdsToStages (some emulators do). */
  describeWithoutStages = false;
  nextRotationDate: Date | undefined;
  readonly #secrets = new Map<string, StubSecret>();
  #versionSeq = 0;
  #failures: { operation: Operation | undefined; error: () => Error; remaining: number }[] = [];
  #gate: Promise<void> | undefined;

  /** Creates the secret or adds a version that becomes AWSCURRENT (the old one AWSPREVIOUS). Returns the version id. */
  put(name: string, value: string | Uint8Array): string {
    const versionId = this.#addVersion(name, value, ['AWSCURRENT']);
    this.#moveStage(name, 'AWSCURRENT', versionId);
    return versionId;
  }

  /** First half of a rotation: a new version labelled AWSPENDING. */
  startRotation(name: string, value: string): string {
    return this.#addVersion(name, value, ['AWSPENDING']);
  }

  /** Last half: AWSCURRENT moves to the pending version. */
  finishRotation(name: string): void {
    const secret = this.#secret(name);
    const pending = [...secret.versions].find(([, v]) => v.stages.includes('AWSPENDING'));
    if (pending === undefined) throw new Error('no rotation in progress');
    pending[1].stages = pending[1].stages.filter((stage) => stage !== 'AWSPENDING');
    this.#moveStage(name, 'AWSCURRENT', pending[0]);
  }

  delete(name: string): void {
    this.#secrets.delete(name);
  }

  /** The next `times` calls of `operation` (any operation when undefined) fail with `error()`. */
  fail(operation: Operation | undefined, error: () => Error, times = Number.POSITIVE_INFINITY): void {
    this.#failures.push({ operation, error, remaining: times });
  }

  clearFailures(): void {
    this.#failures = [];
  }

  /** Holds every call until the returned function is called. */
  hold(): () => void {
    let release!: () => void;
    this.#gate = new Promise((resolve) => {
      release = resolve;
    });
    return () => {
      this.#gate = undefined;
      release();
    };
  }

  async getSecretValue(request: SecretRequest): Promise<SecretValue> {
    await this.#enter('GetSecretValue');
    return this.#read(request.secretId, request.versionId, request.versionStage);
  }

  async describeSecret(secretId: string): Promise<SecretDescription> {
    await this.#enter('DescribeSecret');
    const secret = this.#secret(secretId);
    const stages: Record<string, string[]> = {};
    for (const [id, version] of secret.versions)
      if (version.stages.length > 0) stages[id] = [...version.stages];
    return {
      arn: secret.arn,
      name: secretId,
      versionIdsToStages: this.describeWithoutStages ? undefined : stages,
      nextRotationDate: this.nextRotationDate,
    };
  }

  async batchGetSecretValue(secretIds: readonly string[]): Promise<BatchItem[]> {
    await this.#enter('BatchGetSecretValue');
    if (secretIds.length > 20) throw new Error('batch too large');
    return secretIds.map((secretId) => {
      try {
        return { secretId, value: this.#read(secretId, undefined, 'AWSCURRENT') };
      } catch (error) {
        return { secretId, error: error as Error };
      }
    });
  }

  async #enter(operation: Operation): Promise<void> {
    this.calls[operation] += 1;
    if (this.#gate !== undefined) await this.#gate;
    const failure = this.#failures.find((f) => f.remaining > 0 && (f.operation ?? operation) === operation);
    if (failure !== undefined) {
      failure.remaining -= 1;
      throw failure.error();
    }
  }

  #read(secretId: string, versionId: string | undefined, versionStage: string | undefined): SecretValue {
    const secret = this.#secret(secretId);
    const stage = versionStage ?? (versionId === undefined ? 'AWSCURRENT' : undefined);
    const entry = [...secret.versions].find(
      ([id, v]) =>
        (versionId === undefined || id === versionId) && (stage === undefined || v.stages.includes(stage)),
    );
    if (entry === undefined) throw new SecretNotFoundError(`no such version of ${secretId}`, { secretId });
    const [id, version] = entry;
    return {
      arn: secret.arn,
      name: secretId,
      versionId: id,
      versionStages: [...version.stages],
      createdDate: new Date(0),
      ...(version.string !== undefined ? { string: version.string } : { binary: version.binary }),
    };
  }

  /** Finds a secret by name, full ARN or ARN without its random suffix. */
  #secret(name: string): StubSecret {
    const secret =
      this.#secrets.get(name) ??
      [...this.#secrets.values()].find((s) => s.arn === name || s.arn.startsWith(`${name}-`));
    if (secret === undefined) {
      throw new SecretNotFoundError(`Secrets Manager can't find the specified secret. (secret '${name}')`, {
        secretId: name,
        upstreamCode: 'ResourceNotFoundException',
        httpStatus: 400,
      });
    }
    return secret;
  }

  #addVersion(name: string, value: string | Uint8Array, stages: string[]): string {
    let secret = this.#secrets.get(name);
    if (secret === undefined) {
      secret = {
        arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`,
        versions: new Map(),
      };
      this.#secrets.set(name, secret);
    }
    const versionId = `v${++this.#versionSeq}`;
    secret.versions.set(
      versionId,
      typeof value === 'string' ? { string: value, stages } : { binary: value, stages },
    );
    return versionId;
  }

  #moveStage(name: string, stage: string, to: string): void {
    const secret = this.#secret(name);
    for (const [id, version] of secret.versions) {
      if (id !== to && version.stages.includes(stage)) {
        version.stages = version.stages.filter((s) => s !== stage);
        if (stage === 'AWSCURRENT') {
          for (const other of secret.versions.values())
            other.stages = other.stages.filter((s) => s !== 'AWSPREVIOUS');
          version.stages.push('AWSPREVIOUS');
        }
      }
    }
    const target = secret.versions.get(to);
    if (target !== undefined && !target.stages.includes(stage)) target.stages.push(stage);
  }
}

/** Lets every pending promise callback and background refresh run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
