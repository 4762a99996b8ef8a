/** An in-memory SecretReader for unit tests of the HTTP layer (the integration tests use the real cache on the
 * emulator). It returns one frozen object per version, as SecretsCache does. */

import { EventEmitter } from 'node:events';
import {
  type BatchItem,
  type CacheLookup,
  type ChangeEvent,
  type ErrorEvent,
  type EvictEvent,
  type GetOptions,
  type RefreshEvent,
  SecretNotFoundError,
  type SecretValue,
} from '@latchkey/sdk';
import type { SecretReader } from '../../src/upstream/readers.js';

export function secretValue(name: string, value: string | Uint8Array, versionId = 'v1'): SecretValue {
  return Object.freeze({
    arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`,
    name,
    versionId,
    versionStages: Object.freeze(['AWSCURRENT']),
    createdDate: new Date(1569534789046),
    ...(typeof value === 'string' ? { string: value } : { binary: value }),
  });
}

/** Emits `change` and `evict` only when a test does. */
export class FakeReader
  extends EventEmitter<{
    change: [ChangeEvent];
    evict: [EvictEvent];
    refresh: [RefreshEvent];
    error: [ErrorEvent];
  }>
  implements SecretReader
{
  readonly secrets = new Map<string, SecretValue>();
  readonly calls: { secretId: string; options?: GetOptions }[] = [];
  failWith: Error | undefined;
  closed = false;

  put(value: SecretValue): this {
    this.secrets.set(value.name, value);
    this.secrets.set(value.arn, value);
    return this;
  }

  async lookup(secretId: string, options?: GetOptions): Promise<CacheLookup> {
    this.calls.push({ secretId, options });
    if (this.failWith) throw this.failWith;
    const value = this.secrets.get(secretId);
    if (value === undefined) {
      throw new SecretNotFoundError(`Secret ${secretId} not found`, {
        secretId,
        upstreamCode: 'ResourceNotFoundException',
        httpStatus: 400,
      });
    }
    return { value, status: 'hit' };
  }

  /** The fake keeps no warm entries: every read goes through `lookup`, which the tests observe. */
  peek(): CacheLookup | undefined {
    return undefined;
  }

  async prefetch(secretIds: readonly string[]): Promise<BatchItem[]> {
    return Promise.all(
      secretIds.map(async (secretId): Promise<BatchItem> => {
        try {
          return { secretId, value: (await this.lookup(secretId)).value };
        } catch (error) {
          return { secretId, error: error as Error };
        }
      }),
    );
  }

  onChange(): () => void {
    return () => undefined;
  }

  close(): void {
    this.closed = true;
  }
}
