import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BatchGetSecretValueCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  AccessDeniedError,
  AwsSource,
  DecryptionError,
  InvalidRequestError,
  SDK_VERSION,
  SecretNotFoundError,
  ThrottledError,
  UpstreamUnavailableError,
} from '@latchkey/sdk';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' };

function serviceError(name: string, status: number, message: string, fault: 'client' | 'server' = 'client') {
  return Object.assign(new Error(message), { name, $fault: fault, $metadata: { httpStatusCode: status } });
}

describe('AwsSource with a stubbed client', () => {
  const client = new SecretsManagerClient({ region: 'us-east-1', credentials });
  const mock = mockClient(client);
  const source = new AwsSource({ client });
  beforeEach(() => mock.reset());

  it('maps GetSecretValue to a SecretValue (string and binary)', async () => {
    const created = new Date('2026-01-01T00:00:00Z');
    mock.on(GetSecretValueCommand, { SecretId: 'db', VersionStage: 'AWSCURRENT' }).resolves({
      ARN,
      Name: 'db',
      VersionId: 'v1',
      VersionStages: ['AWSCURRENT'],
      CreatedDate: created,
      SecretString: '{"password":"x"}',
    });
    mock.on(GetSecretValueCommand, { SecretId: 'blob' }).resolves({
      ARN,
      Name: 'blob',
      VersionId: 'v2',
      VersionStages: ['AWSCURRENT'],
      SecretBinary: new Uint8Array([1, 2, 3]),
    });
    expect(await source.getSecretValue({ secretId: 'db', versionStage: 'AWSCURRENT' })).toEqual({
      arn: ARN,
      name: 'db',
      versionId: 'v1',
      versionStages: ['AWSCURRENT'],
      createdDate: created,
      string: '{"password":"x"}',
    });
    const blob = await source.getSecretValue({ secretId: 'blob' });
    expect(blob.binary).toEqual(new Uint8Array([1, 2, 3]));
    expect(blob.string).toBeUndefined();
  });

  it('describes versions and the next rotation date (only when rotation is on)', async () => {
    const next = new Date('2026-02-01T00:00:00Z');
    mock.on(DescribeSecretCommand).resolves({
      ARN,
      Name: 'db',
      VersionIdsToStages: { v1: ['AWSCURRENT'] },
      RotationEnabled: true,
      NextRotationDate: next,
    });
    expect(await source.describeSecret('db')).toEqual({
      arn: ARN,
      name: 'db',
      versionIdsToStages: { v1: ['AWSCURRENT'] },
      nextRotationDate: next,
    });
  });

  it.each([
    [
      serviceError('ResourceNotFoundException', 400, "Secrets Manager can't find the specified secret."),
      SecretNotFoundError,
    ],
    [serviceError('AccessDeniedException', 400, 'User is not authorized'), AccessDeniedError],
    [serviceError('DecryptionFailure', 400, 'KMS failed'), DecryptionError],
    [serviceError('ThrottlingException', 400, 'Rate exceeded'), ThrottledError],
    [serviceError('InvalidRequestException', 400, 'marked for deletion'), InvalidRequestError],
    [serviceError('InternalServiceError', 500, 'oops', 'server'), UpstreamUnavailableError],
  ])('maps %s to a typed error carrying the upstream code, status and message', async (error, type) => {
    mock.on(GetSecretValueCommand).rejects(error);
    const thrown = await source.getSecretValue({ secretId: 'db' }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(type);
    expect(thrown).toMatchObject({
      secretId: 'db',
      upstreamCode: error.name,
      httpStatus: error.$metadata.httpStatusCode,
      upstreamMessage: error.message,
      cause: error,
    });
    expect((thrown as Error).message).toContain("'db'");
  });

  it('maps the SDK exception classes too', async () => {
    mock
      .on(GetSecretValueCommand)
      .rejects(new ResourceNotFoundException({ message: 'not here', $metadata: { httpStatusCode: 400 } }));
    await expect(source.getSecretValue({ secretId: 'db' })).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it.each([
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'network'],
    // What the SDK's node handler throws for a reset connection.
    [Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' }), 'network'],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'network'],
    [Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' }), 'timeout'],
  ])('maps transport failure %s to UpstreamUnavailableError(%s)', async (error, reason) => {
    mock.on(GetSecretValueCommand).rejects(error);
    const thrown = await source.getSecretValue({ secretId: 'db' }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(UpstreamUnavailableError);
    expect(thrown).toMatchObject({ reason, transient: true });
  });

  it('batch: matches values to the ids asked (name, ARN, partial ARN) and errors per secret', async () => {
    mock.on(BatchGetSecretValueCommand).resolves({
      SecretValues: [
        { ARN, Name: 'db', VersionId: 'v1', VersionStages: ['AWSCURRENT'], SecretString: 'a' },
        {
          ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:api-XyZ123',
          Name: 'api',
          VersionId: 'v2',
          SecretString: 'b',
        },
      ],
      Errors: [{ SecretId: 'gone', ErrorCode: 'ResourceNotFoundException', Message: 'not found' }],
    });
    const items = await source.batchGetSecretValue([
      'db',
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:api',
      'gone',
    ]);
    expect(items.map((i) => [i.secretId, i.value?.string, i.error?.name])).toEqual([
      ['db', 'a', undefined],
      ['arn:aws:secretsmanager:us-east-1:123456789012:secret:api', 'b', undefined],
      ['gone', undefined, 'SecretNotFoundError'],
    ]);
  });

  it('refuses a client together with clientConfig or a role', () => {
    expect(() => new AwsSource({ client, clientConfig: {} })).toThrow(TypeError);
    expect(() => new AwsSource({ client, roleArn: 'arn:aws:iam::123456789012:role/x' })).toThrow(TypeError);
  });

  it('withRole returns one source (one client) per role', () => {
    const base = new AwsSource({ clientConfig: { region: 'us-east-1', credentials } });
    const role = { roleArn: 'arn:aws:iam::123456789012:role/reader' };
    expect(base.withRole(role)).toBe(base.withRole({ ...role }));
    expect(base.withRole(role)).not.toBe(base.withRole({ ...role, externalId: 'x' }));
    base.close();
  });
});

describe('AwsSource over HTTP', () => {
  let server: Server;
  let endpoint: string;
  const seen: { target: string | undefined; headers: IncomingHttpHeaders }[] = [];

  beforeEach(async () => {
    seen.length = 0;
    server = createServer((request, response) => {
      seen.push({ target: request.headers['x-amz-target'] as string | undefined, headers: request.headers });
      request.resume();
      request.on('end', () => {
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        response.end(
          JSON.stringify({
            ARN,
            Name: 'db',
            VersionId: 'v1',
            VersionStages: ['AWSCURRENT'],
            SecretString: 'x',
            CreatedDate: 1.7e9,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it.each(['AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_ENDPOINT_URL'])(
    'honours %s and sends latchkey/<version> in the user agent',
    async (variable) => {
      vi.stubEnv(variable, endpoint);
      const source = new AwsSource();
      const value = await source.getSecretValue({ secretId: 'db' });
      source.close();
      expect(value.createdDate).toEqual(new Date(1.7e9 * 1000));
      expect(seen).toHaveLength(1);
      expect(seen[0]?.target).toBe('secretsmanager.GetSecretValue');
      expect(seen[0]?.headers['user-agent']).toContain(`latchkey/${SDK_VERSION}`);
    },
  );

  it('reports a response that does not parse without quoting it (it may hold the secret)', async () => {
    const broken = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        // JSON.parse quotes the text around the error: `Unexpected token 'h', ..."etString":hunter2-..."...`
        response.end('{"ARN":"x","SecretString":hunter2-in-a-broken-body}');
      });
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    const port = (broken.address() as AddressInfo).port;
    const source = new AwsSource({
      clientConfig: {
        endpoint: `http://127.0.0.1:${port}`,
        region: 'us-east-1',
        credentials,
        maxAttempts: 1,
      },
    });
    const error = await source.getSecretValue({ secretId: 'db' }).catch((e: unknown) => e);
    source.close();
    await new Promise((resolve) => broken.close(resolve));
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ reason: 'network' });
    expect((error as Error).cause).toBeUndefined();
    const text = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack}`;
    expect(text).not.toContain('hunter2');
  });

  it('times out a hung credential provider (no request sent) and tells a caller abort apart', async () => {
    const hung = new AwsSource({
      clientConfig: { endpoint, region: 'us-east-1', credentials: () => new Promise(() => {}) },
      timeout: '100ms',
    });
    const timedOut = await hung.getSecretValue({ secretId: 'db' }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(UpstreamUnavailableError);
    expect(timedOut).toMatchObject({ reason: 'timeout', secretId: 'db' });
    const caller = new AbortController();
    const aborted = hung.describeSecret('db', caller.signal).catch((e: unknown) => e);
    caller.abort();
    const abortError = await aborted;
    expect(abortError).toBeInstanceOf(Error);
    expect(abortError).not.toMatchObject({ reason: 'timeout' });
    hung.close();
    expect(seen).toHaveLength(0);
  });

  it('rejects a timeout that is not a duration', () => {
    expect(() => new AwsSource({ timeout: '5' as never })).toThrow(/Invalid duration '5'/);
    expect(() => new AwsSource({ timeout: '1s', timeoutMs: 1000 })).toThrow(/either timeout or timeoutMs/);
  });

  it('adds the user agent to a client the caller built', async () => {
    const client = new SecretsManagerClient({ endpoint, region: 'us-east-1', credentials });
    const source = new AwsSource({ client });
    new AwsSource({ client }); // idempotent: added once
    await source.getSecretValue({ secretId: 'db' });
    const agent = seen[0]?.headers['user-agent'] ?? '';
    expect(agent.split(`latchkey/${SDK_VERSION}`)).toHaveLength(2);
    client.destroy();
  });
});
