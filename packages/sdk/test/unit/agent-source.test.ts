import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AccessDeniedError,
  AgentSource,
  InvalidRequestError,
  resolveAgentToken,
  SecretNotFoundError,
  SecretsCache,
  ThrottledError,
  UpstreamUnavailableError,
} from '@latchkey/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const TOKEN = 'agent-token-123';
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf';

type Handler = (url: URL, response: ServerResponse) => void;

/** A minimal stand-in for the agent's HTTP contract. */
describe('AgentSource against a fake agent', () => {
  let server: Server;
  let port: number;
  let handler: Handler;
  const requests: IncomingMessage[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests.push(request);
      if (request.headers['x-aws-parameters-secrets-token'] !== TOKEN) {
        response.statusCode = 403;
        response.end('Bad Token');
        return;
      }
      handler(new URL(request.url ?? '/', 'http://agent'), response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    requests.length = 0;
  });

  function answer(status: number, body: unknown): Handler {
    return (_url, response) => {
      response.statusCode = status;
      response.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
  }

  it('reads the port from PARAMETERS_SECRETS_EXTENSION_HTTP_PORT and the token from the environment', async () => {
    let asked: URL | undefined;
    handler = (url, response) => {
      asked = url;
      answer(200, {
        ARN,
        Name: 'db',
        VersionId: 'v1',
        SecretString: 's3cr3t',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: '1569534789.046',
      })(url, response);
    };
    const source = new AgentSource({
      env: { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(port), AWS_SESSION_TOKEN: TOKEN },
    });
    expect(source.endpoint).toBe(`http://127.0.0.1:${port}`);
    const value = await source.getSecretValue({ secretId: 'my/db', versionStage: 'AWSPREVIOUS' });
    await source.close();
    expect(asked?.pathname).toBe('/secretsmanager/get');
    expect(Object.fromEntries(asked?.searchParams ?? [])).toEqual({
      secretId: 'my/db',
      versionStage: 'AWSPREVIOUS',
    });
    expect(value).toEqual({
      arn: ARN,
      name: 'db',
      versionId: 'v1',
      versionStages: ['AWSCURRENT'],
      createdDate: new Date(1569534789046),
      string: 's3cr3t',
    });
  });

  it('decodes base64 SecretBinary and a numeric CreatedDate (the Lambda extension form)', async () => {
    handler = answer(200, {
      ARN,
      Name: 'blob',
      VersionId: 'v2',
      SecretBinary: Buffer.from([1, 2, 255]).toString('base64'),
      CreatedDate: 1.523477145713e9,
    });
    const source = new AgentSource({ endpoint: `http://127.0.0.1:${port}`, token: TOKEN });
    const value = await source.getSecretValue({ secretId: 'blob' });
    await source.close();
    expect(value.binary).toEqual(new Uint8Array([1, 2, 255]));
    expect(value.createdDate?.getTime()).toBe(1523477145713);
  });

  it.each([
    [
      400,
      { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." },
      SecretNotFoundError,
    ],
    [400, { __type: 'AccessDeniedException', message: 'not authorized' }, AccessDeniedError],
    [400, { __type: 'ThrottlingException', message: 'Rate exceeded' }, ThrottledError],
    [504, { __type: 'TimeoutError', message: 'Timeout' }, UpstreamUnavailableError],
    [502, { __type: 'ConnectionError', message: 'Read Error' }, UpstreamUnavailableError],
    [500, { __type: 'InternalFailure' }, UpstreamUnavailableError],
    [400, 'unknown parameter: bogus', InvalidRequestError],
    [429, 'Connection limit exceeded', ThrottledError],
  ])('maps an agent answer %i %j to a typed error', async (status, body, type) => {
    handler = answer(status, body);
    const source = new AgentSource({ endpoint: `http://127.0.0.1:${port}`, token: TOKEN });
    const error = await source.getSecretValue({ secretId: 'db' }).catch((e: unknown) => e);
    await source.close();
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ secretId: 'db', httpStatus: status });
    if (typeof body === 'object') {
      expect(error).toMatchObject({
        upstreamCode: body.__type,
        upstreamMessage: 'message' in body ? body.message : '',
      });
    }
  });

  it('tells timeout (504) from network (502) failures', async () => {
    for (const [status, type, reason] of [
      [504, 'TimeoutError', 'timeout'],
      [502, 'ConnectionError', 'network'],
    ] as const) {
      handler = answer(status, { __type: type, message: 'x' });
      const source = new AgentSource({ endpoint: `http://127.0.0.1:${port}`, token: TOKEN });
      const error = await source.getSecretValue({ secretId: 'db' }).catch((e: unknown) => e);
      await source.close();
      expect(error).toMatchObject({ reason });
    }
  });

  it('passes a forced refresh of the cache on to the agent (refreshNow=true), bypassing its cache', async () => {
    const asked: URL[] = [];
    handler = (url, response) => {
      asked.push(url);
      answer(200, { ARN, Name: 'db', VersionId: `v${asked.length}`, SecretString: 'x' })(url, response);
    };
    const source = new AgentSource({ endpoint: `http://127.0.0.1:${port}`, token: TOKEN });
    const cache = new SecretsCache({ source });
    await cache.get('db');
    expect((await cache.refresh('db')).versionId).toBe('v2');
    await cache.close();
    await source.close();
    expect(asked.map((url) => url.searchParams.get('refreshNow'))).toEqual([null, 'true']);
  });

  it('a wrong token is access denied', async () => {
    const source = new AgentSource({ endpoint: `http://127.0.0.1:${port}`, token: 'wrong' });
    await expect(source.getSecretValue({ secretId: 'db' })).rejects.toBeInstanceOf(AccessDeniedError);
    await source.close();
  });

  it('an agent that is not listening is a transient network failure', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const source = new AgentSource({ endpoint: `http://127.0.0.1:${closedPort}`, token: TOKEN });
    const error = await source.getSecretValue({ secretId: 'db' }).catch((e: unknown) => e);
    await source.close();
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ reason: 'network', transient: true });
  });

  it('serves a SecretsCache over keep-alive connections', async () => {
    handler = answer(200, { ARN, Name: 'db', VersionId: 'v1', SecretString: 'x', CreatedDate: null });
    const source = new AgentSource({ endpoint: `http://127.0.0.1:${port}`, token: TOKEN });
    const cache = new SecretsCache({ source, ttl: '0s' });
    for (let i = 0; i < 5; i++) await cache.get('db');
    await cache.close();
    await source.close();
    expect(requests).toHaveLength(5);
    // Connections are reused (undici may open a second one while the first is being released).
    expect(new Set(requests.map((r) => r.socket)).size).toBeLessThanOrEqual(2);
  });
});

describe('resolveAgentToken', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'latchkey-token-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes the first variable that is set, in the agent order, reading file:// values', async () => {
    const file = join(dir, 'token');
    await writeFile(file, '  from-file\n');
    expect(resolveAgentToken({ AWS_SESSION_TOKEN: 'session', AWS_CONTAINER_AUTHORIZATION_TOKEN: 'c' })).toBe(
      'session',
    );
    expect(resolveAgentToken({ AWS_TOKEN: `file://${file}`, AWS_SESSION_TOKEN: 'session' })).toBe(
      'from-file',
    );
    expect(resolveAgentToken({ AWS_TOKEN: '', AWS_SESSION_TOKEN: 'session' })).toBe('');
    expect(resolveAgentToken({})).toBeUndefined();
  });

  it('without any token, reads fail with a message naming the variables', async () => {
    const source = new AgentSource({ endpoint: 'http://127.0.0.1:9', env: {} });
    await expect(source.getSecretValue({ secretId: 'db' })).rejects.toThrow(/AWS_TOKEN, AWS_SESSION_TOKEN/);
    await source.close();
  });
});
