/**
 * The production readers: the SDK's SecretsCache over an AwsSource, one per role (each role with its own client,
 * closed when its cache is evicted), configured from the agent's keys; the Parameter Store cache over an SSM client.
 */
import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import type { SSMClient, SSMClientConfig } from '@aws-sdk/client-ssm';
import type { STSClientConfig } from '@aws-sdk/client-sts';
import { SecretsCache } from '@latchkey/sdk';
import { collectBody, lazyAwsSource } from '@latchkey/sdk/internal';
import { promMetrics } from '@latchkey/sdk/metrics';
import { cacheSettings } from '../config/cache-settings.js';
import type { SidecarConfig } from '../config/schema.js';
import type { ReaderDependencies } from '../sidecar.js';
import { type FetchParameter, ParameterCache } from './parameters.js';

/** `timeoutMs`: per request, 0 for none (SECRETS_MANAGER_TIMEOUT_MILLIS, or SSM_PARAMETER_STORE_TIMEOUT_MILLIS). */
export function awsClientConfig(
  config: SidecarConfig,
  timeoutMs = config.upstreamTimeoutMs,
): SecretsManagerClientConfig {
  const clientConfig: SecretsManagerClientConfig = {};
  if (config.region !== undefined) clientConfig.region = config.region;
  if (config.latchkey.endpoint !== undefined) clientConfig.endpoint = config.latchkey.endpoint;
  const filepath = config.credentialsFilePath;
  if (filepath !== undefined) {
    // Loaded only when used: the credential providers are a large part of the AWS SDK's start-up memory.
    clientConfig.credentials = async () => {
      const { fromIni } = await import('@aws-sdk/credential-providers');
      return fromIni({ filepath, profile: 'default', ignoreCache: true })();
    };
  }
  if (timeoutMs > 0 || config.upstreamMaxSockets !== undefined) {
    clientConfig.requestHandler = {
      ...(timeoutMs > 0
        ? {
            requestTimeout: timeoutMs,
            connectionTimeout: timeoutMs,
            // Without this the handler only logs a warning and keeps waiting.
            throwOnRequestTimeout: true,
          }
        : {}),
      ...(config.upstreamMaxSockets !== undefined
        ? {
            httpsAgent: { maxSockets: config.upstreamMaxSockets },
            httpAgent: { maxSockets: config.upstreamMaxSockets },
          }
        : {}),
    };
  }
  return clientConfig;
}

export function stsClientConfig(
  config: SidecarConfig,
  clientConfig: SecretsManagerClientConfig,
): STSClientConfig {
  return {
    region: clientConfig.region,
    credentials: clientConfig.credentials,
    ...(config.latchkey.endpoint !== undefined ? { endpoint: config.latchkey.endpoint } : {}),
  } as STSClientConfig;
}

/** `clientOverrides`: e.g. the emulator's credentials for `latchkey dev`. */
export function awsReaders(
  config: SidecarConfig,
  deps: ReaderDependencies,
  clientOverrides: SecretsManagerClientConfig = {},
): (roleArn: string | undefined) => SecretsCache {
  const clientConfig = { ...awsClientConfig(config), ...clientOverrides };
  const cache = cacheSettings(config);
  return (roleArn) => {
    // SECRETS_MANAGER_TIMEOUT_MILLIS bounds each whole upstream call; 0 (the default) means no limit, as in the
    // Lambda extension.
    const timeoutMs = config.upstreamTimeoutMs;
    // The AWS SDK loads on the first read: an idle sidecar, or one that has only answered /ping, does without it.
    const source =
      roleArn === undefined
        ? lazyAwsSource({ clientConfig, timeoutMs })
        : lazyAwsSource({
            clientConfig,
            timeoutMs,
            roleArn,
            stsClientConfig: stsClientConfig(config, clientConfig),
          });
    // One AWS client per role, closed with its cache when the role is evicted.
    return new SecretsCache({
      source,
      closeSource: true,
      ttlMs: cache.ttlMs,
      maxEntries: cache.maxEntries,
      maxStaleMs: cache.maxStaleMs,
      refreshAhead: cache.refreshAhead,
      metrics: promMetrics(deps.registry),
      logger: deps.logger.child({ component: 'cache', ...(roleArn === undefined ? {} : { roleArn }) }),
    });
  };
}

/** The Parameter Store cache. The SSM client is loaded on the first parameter read: most sidecars never serve one,
 * and the client is a large module. `endpoint` applies to SSM too (an emulator or LocalStack serves every service on
 * one address); AWS_ENDPOINT_URL_SSM works as the AWS SDK reads it. */
export function awsParameters(
  config: SidecarConfig,
  deps: ReaderDependencies,
  clientOverrides: SecretsManagerClientConfig = {},
): ParameterCache {
  const clientConfig = {
    streamCollector: collectBody,
    ...awsClientConfig(config, config.parameterTimeoutMs),
    ...clientOverrides,
  } as SSMClientConfig;
  let loaded: Promise<{ ssm: typeof import('@aws-sdk/client-ssm'); client: SSMClient }> | undefined;
  const fetch: FetchParameter = async ({ name, withDecryption }, signal) => {
    loaded ??= import('@aws-sdk/client-ssm').then((ssm) => ({
      ssm,
      client: new ssm.SSMClient(clientConfig),
    }));
    const { ssm, client } = await loaded;
    const command = new ssm.GetParameterCommand({ Name: name, WithDecryption: withDecryption });
    const output = await client.send(command, { abortSignal: signal });
    if (output.Parameter === undefined) throw new Error('GetParameter answered without a Parameter');
    return output.Parameter;
  };
  const cache = cacheSettings(config);
  return new ParameterCache({
    fetch,
    ttlMs: cache.parameterTtlMs,
    maxEntries: cache.maxEntries,
    maxStaleMs: cache.maxStaleMs,
    registry: deps.registry,
    onClose: () => {
      // A client that never loaded has nothing to destroy (and its failure was reported to the read that loaded it).
      loaded?.then(({ client }) => client.destroy()).catch(() => undefined);
    },
  });
}
