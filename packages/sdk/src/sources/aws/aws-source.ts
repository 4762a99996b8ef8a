import {
  BatchGetSecretValueCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import type { STSClientConfig } from '@aws-sdk/client-sts';
import type { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { untilAborted } from '../../cache/abort.js';
import { type Duration, durationOption } from '../../duration.js';
import { UpstreamUnavailableError } from '../../errors.js';
import type { SecretValue } from '../../types/secret.js';
import type { BatchItem, SecretDescription, SecretRequest, SecretSource } from '../../types/source.js';
import { mapUpstreamError } from '../upstream-error.js';
import { collectBody } from './body-collector.js';
import { addLatchkeyUserAgent } from './user-agent.js';

/** Cross-account access: the source assumes this role through STS and renews the credentials before they expire. */
export interface AssumeRoleOptions {
  roleArn: string;
  /** The external id the role's trust policy requires, if any. */
  externalId?: string;
  /** Shows in CloudTrail. Default `latchkey-<timestamp>`. */
  sessionName?: string;
  /** Lifetime of each set of temporary credentials (STS allows 15 m to the role's maximum). Default: STS's (1 h). */
  duration?: Duration;
  durationMs?: number;
  /** Configuration of the STS client (region, endpoint, the credentials that assume the role). Default: the
   * Secrets Manager client's region and credentials, the STS endpoint from the environment
   * (`AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`) or AWS's. */
  stsClientConfig?: STSClientConfig;
}

export interface AwsSourceOptions extends Partial<AssumeRoleOptions> {
  /** A client to use as is (the source adds its user agent; `close()` leaves it open). Excludes `clientConfig`
   * and `roleArn`. */
  client?: SecretsManagerClient;
  /** Configuration of the client the source creates. The SDK already honours `AWS_ENDPOINT_URL_SECRETS_MANAGER`,
   * `AWS_ENDPOINT_URL`, `AWS_REGION` and the default credential chain. */
  clientConfig?: SecretsManagerClientConfig;
  /** Deadline of each call (GetSecretValue, DescribeSecret, BatchGetSecretValue), covering credential resolution
   * (an STS call for a role), the SDK's retries and the response body. A call past it is aborted and fails with
   * `UpstreamUnavailableError` (reason `timeout`). Applies to a client passed in too. Default `'5s'`; `'0s'`
   * waits as long as the client does (the AWS SDK's own default: no limit). */
  timeout?: Duration;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/** Secrets Manager through the AWS SDK v3 client. */
export class AwsSource implements SecretSource {
  readonly client: SecretsManagerClient;
  readonly #ownsClient: boolean;
  readonly #clientConfig: SecretsManagerClientConfig;
  readonly #timeoutMs: number;
  readonly #roles = new Map<string, AwsSource>();

  constructor(options: AwsSourceOptions = {}) {
    const { client, clientConfig = {}, roleArn } = options;
    if (client !== undefined && (options.clientConfig !== undefined || roleArn !== undefined)) {
      throw new TypeError('AwsSource takes either a client or clientConfig/roleArn, not both');
    }
    this.#clientConfig = clientConfig;
    this.#timeoutMs = durationOption('timeout', options.timeout, options.timeoutMs, DEFAULT_TIMEOUT_MS);
    this.#ownsClient = client === undefined;
    this.client =
      client ??
      new SecretsManagerClient({
        streamCollector: collectBody,
        ...clientConfig,
        ...(roleArn === undefined
          ? {}
          : { credentials: roleCredentials({ ...options, roleArn }, clientConfig) }),
      });
    addLatchkeyUserAgent(this.client);
  }

  /**
   * A source reading through an assumed role, with the same client configuration. One client per role: asking
   * twice for the same role (and external id and session name) returns the same source.
   */
  withRole(role: AssumeRoleOptions): AwsSource {
    const key = JSON.stringify([role.roleArn, role.externalId, role.sessionName]);
    let source = this.#roles.get(key);
    if (source === undefined) {
      source = new AwsSource({ ...role, clientConfig: this.#clientConfig, timeoutMs: this.#timeoutMs });
      this.#roles.set(key, source);
    }
    return source;
  }

  async getSecretValue(request: SecretRequest): Promise<SecretValue> {
    const { secretId, versionId, versionStage, signal } = request;
    const output = await this.#send(secretId, signal, (abortSignal) =>
      this.client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionId: versionId, VersionStage: versionStage }),
        { abortSignal },
      ),
    );
    return toSecretValue(output);
  }

  async describeSecret(secretId: string, signal?: AbortSignal): Promise<SecretDescription> {
    const output = await this.#send(secretId, signal, (abortSignal) =>
      this.client.send(new DescribeSecretCommand({ SecretId: secretId }), { abortSignal }),
    );
    return {
      arn: output.ARN ?? '',
      name: output.Name ?? '',
      versionIdsToStages: output.VersionIdsToStages,
      nextRotationDate: output.RotationEnabled === true ? output.NextRotationDate : undefined,
    };
  }

  /** One BatchGetSecretValue (following `NextToken`) for up to 20 ids; each id comes back as a value or an error.
   * Ids the answer does not mention are left out, and the caller reads them singly. */
  async batchGetSecretValue(secretIds: readonly string[], signal?: AbortSignal): Promise<BatchItem[]> {
    const items: BatchItem[] = [];
    let nextToken: string | undefined;
    do {
      const output = await this.#send(undefined, signal, (abortSignal) =>
        this.client.send(
          new BatchGetSecretValueCommand({ SecretIdList: [...secretIds], NextToken: nextToken }),
          { abortSignal },
        ),
      );
      for (const found of output.SecretValues ?? []) {
        const value = toSecretValue(found);
        const secretId = secretIds.find((id) => namesSecret(id, value.arn, value.name));
        if (secretId !== undefined) items.push({ secretId, value });
      }
      for (const failed of output.Errors ?? []) {
        const secretId = secretIds.find((id) => id === failed.SecretId);
        if (secretId === undefined) continue;
        const error = mapUpstreamError(
          { name: failed.ErrorCode, message: failed.Message, $metadata: { httpStatusCode: 400 } },
          secretId,
        );
        items.push({ secretId, error });
      }
      nextToken = output.NextToken;
    } while (nextToken !== undefined);
    return items;
  }

  /**
   * Runs one call within the deadline, mapping failures to typed errors. The deadline aborts the HTTP request
   * (through the SDK's abort signal) and, since the SDK observes that signal only while a request is on the
   * wire, also stops the wait for a hung credential provider (such as an STS call for a role).
   */
  async #send<T>(
    secretId: string | undefined,
    signal: AbortSignal | undefined,
    call: (abortSignal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const deadline = new AbortController();
    const timer = this.#timeoutMs > 0 ? setTimeout(() => deadline.abort(), this.#timeoutMs) : undefined;
    const onCallerAbort = (): void => deadline.abort(signal?.reason);
    if (signal?.aborted === true) onCallerAbort();
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      return await untilAborted(call(deadline.signal), deadline.signal);
    } catch (error) {
      if (deadline.signal.aborted && signal?.aborted !== true) {
        const subject = secretId === undefined ? '' : ` (secret '${secretId}')`;
        throw new UpstreamUnavailableError(
          `Secrets Manager did not answer within ${this.#timeoutMs} ms${subject}`,
          'timeout',
          { secretId, upstreamCode: 'TimeoutError', cause: error },
        );
      }
      throw mapUpstreamError(error, secretId);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** Closes the clients this source created (not a client it was given). */
  close(): void {
    for (const source of this.#roles.values()) source.close();
    this.#roles.clear();
    if (this.#ownsClient) this.client.destroy();
  }
}

type CredentialProvider = ReturnType<typeof fromTemporaryCredentials>;

/** The role's credential provider. `@aws-sdk/credential-providers` is loaded on the first request, so that
 * applications that assume no role do not load it; the client memoizes the credentials and asks again before
 * they expire. */
function roleCredentials(
  role: AssumeRoleOptions,
  clientConfig: SecretsManagerClientConfig,
): CredentialProvider {
  const durationMs = durationOption('duration', role.duration, role.durationMs, 0);
  const options: Parameters<typeof fromTemporaryCredentials>[0] = {
    params: {
      RoleArn: role.roleArn,
      ExternalId: role.externalId,
      RoleSessionName: role.sessionName ?? `latchkey-${Date.now()}`,
      DurationSeconds: durationMs === 0 ? undefined : Math.round(durationMs / 1000),
    },
    clientConfig:
      role.stsClientConfig ??
      ({
        region: clientConfig.region,
        credentials: clientConfig.credentials,
      } as STSClientConfig),
  };
  let provider: Promise<CredentialProvider> | undefined;
  return async (properties) => {
    provider ??= import('@aws-sdk/credential-providers').then((module) =>
      module.fromTemporaryCredentials(options),
    );
    return (await provider)(properties);
  };
}

interface GetSecretValueShape {
  ARN?: string;
  Name?: string;
  VersionId?: string;
  VersionStages?: string[];
  CreatedDate?: Date;
  SecretString?: string;
  SecretBinary?: Uint8Array;
}

function toSecretValue(output: GetSecretValueShape): SecretValue {
  const base = {
    arn: output.ARN ?? '',
    name: output.Name ?? '',
    versionId: output.VersionId ?? '',
    versionStages: output.VersionStages ?? [],
    createdDate: output.CreatedDate,
  };
  return output.SecretString === undefined && output.SecretBinary !== undefined
    ? { ...base, binary: output.SecretBinary }
    : { ...base, string: output.SecretString ?? '' };
}

/** Whether a requested id (name, full ARN, or ARN without the 6-character random suffix) names this secret. */
function namesSecret(id: string, arn: string, name: string): boolean {
  return id === arn || id === name || (arn.startsWith(`${id}-`) && arn.length === id.length + 7);
}
