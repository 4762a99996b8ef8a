import type { SecretSource } from '../../types/source.js';
import type { AwsSource, AwsSourceOptions } from './aws-source.js';

/**
 * An `AwsSource` created on the first call. The AWS SDK client is a large module, and Node's TLS and HTTP/2 load
 * with it: a process that has not read a secret yet (a sidecar at start-up, idle, or serving only from its cache
 * file of prefetched secrets) does not pay for them. Reads behave as the `AwsSource`'s.
 */
export function lazyAwsSource(options: AwsSourceOptions = {}): SecretSource {
  let loaded: Promise<AwsSource> | undefined;
  const source = () => (loaded ??= import('./aws-source.js').then(({ AwsSource }) => new AwsSource(options)));
  return {
    getSecretValue: async (request) => (await source()).getSecretValue(request),
    describeSecret: async (secretId, signal) => (await source()).describeSecret(secretId, signal),
    batchGetSecretValue: async (secretIds, signal) => (await source()).batchGetSecretValue(secretIds, signal),
    close: async () => (await loaded)?.close(),
  };
}
