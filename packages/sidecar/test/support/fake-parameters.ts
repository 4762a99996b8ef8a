/** An in-memory Parameter Store for unit tests: GetParameter answers by name (selector included), with the error
 * shape the AWS SDK throws for a missing name, and a call count. */
import type { Parameter } from '@aws-sdk/client-ssm';
import type { Clock } from '@latchkey/sdk';
import type { FetchParameter } from '../../src/upstream/parameters.js';
import { ParameterCache } from '../../src/upstream/parameters.js';

export function parameter(name: string, value: string, version = 1): Parameter {
  return {
    ARN: `arn:aws:ssm:us-east-1:123456789012:parameter/${name.replace(/^\//, '')}`,
    DataType: 'text',
    LastModifiedDate: new Date(1569534789046),
    Name: name,
    Type: 'String',
    Value: value,
    Version: version,
  };
}

/** What the AWS SDK throws for an error answer: its name, the HTTP status, SSM's message. */
export function awsError(name: string, status: number, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status } });
}

export class FakeParameters {
  private readonly parameters = new Map<string, Parameter>();
  /** Thrown by every fetch while set. */
  failure: Error | undefined;
  calls = 0;

  put(value: Parameter, selector?: string): this {
    this.parameters.set(selector === undefined ? (value.Name as string) : `${value.Name}:${selector}`, value);
    return this;
  }

  readonly fetch: FetchParameter = async ({ name }) => {
    this.calls++;
    if (this.failure !== undefined) throw this.failure;
    const found = this.parameters.get(name);
    if (found === undefined) throw awsError('ParameterNotFound', 400, `Parameter ${name} not found.`);
    return found;
  };

  /** A cache over this store, as the sidecar builds one. */
  cache(options: { ttlMs?: number; maxStaleMs?: number; clock?: Clock } = {}): ParameterCache {
    return new ParameterCache({
      fetch: this.fetch,
      ttlMs: options.ttlMs ?? 300_000,
      maxEntries: 100,
      maxStaleMs: options.maxStaleMs ?? 0,
      clock: options.clock,
      random: () => 0,
    });
  }
}
