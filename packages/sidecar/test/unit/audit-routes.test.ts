/** The audit line of each route and each way a request ends: served, denied by policy, refused before or after the
 * client is known, a malformed query, an upstream error. Health probes write none. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeParameters, parameter } from '../support/fake-parameters.js';
import { FakeReader, secretValue } from '../support/fake-reader.js';
import { rawRequest } from '../support/http.js';
import { type FakeSidecar, startFakeSidecar, TOKEN } from '../support/start.js';

const APP_TOKEN = 'app-token-7d2a';
const ROLE = 'arn:aws:iam::123456789012:role/reader';
let fake: FakeSidecar;

beforeAll(async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'latchkey-audit-routes-')), 'config.toml');
  writeFileSync(
    file,
    `[[latchkey.clients]]
name = "app"
token = "${APP_TOKEN}"
policy = { Version = "2012-10-17", Statement = [
  { Effect = "Allow", Action = ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"], Resource = "app/*" },
  { Effect = "Allow", Action = "ssm:GetParameter", Resource = "arn:aws:ssm:*:*:parameter/app/*" },
] }
`,
  );
  fake = await startFakeSidecar({
    file,
    env: { AWS_TOKEN: TOKEN },
    reader: new FakeReader()
      .put(secretValue('app/db', 'value-1'))
      .put(secretValue('ops/root', 'value-2'))
      .put(secretValue('ref/db', 'value-3')),
    parameters: new FakeParameters()
      .put(parameter('/app/flag', 'on', 3))
      .put(parameter('/app/flag', 'v1', 1), '1')
      .put(parameter('/app/flag', 'v2', 2), 'prod'),
  });
});
afterAll(async () => fake?.sidecar.close());

/** The audit line `path` wrote (none for a probe), without the fields that differ on every request. */
async function auditOf(path: string, token?: string, method = 'GET'): Promise<Record<string, unknown>[]> {
  const before = fake.audit.lines.length;
  const headers: Record<string, string> =
    token === undefined ? {} : { 'X-Aws-Parameters-Secrets-Token': token };
  await rawRequest(fake.url, path, { headers, method });
  return fake.audit.records.slice(before).map((record) => {
    const { time, request_id, latency_ms, ...rest } = record;
    expect(Date.parse(String(time))).not.toBeNaN();
    expect(request_id).toMatch(/^[0-9a-z]{5}-[0-9a-z]+$/);
    expect(latency_ms).toBeGreaterThanOrEqual(0);
    return rest;
  });
}

const byDefault = { client: 'default', method: 'GET' } as const;
const byApp = { client: 'app', method: 'GET' } as const;
const denied = { ...byApp, decision: 'deny', status: 403, error: 'AccessDeniedException' } as const;

describe('the audit line of each route', () => {
  it('GET /secretsmanager/get and the path form: the secret, its selector, role, decision, status and cache', async () => {
    expect(await auditOf('/secretsmanager/get?secretId=app/db&versionStage=AWSCURRENT', TOKEN)).toEqual([
      {
        ...byDefault,
        route: 'get',
        secret_id: 'app/db',
        version_stage: 'AWSCURRENT',
        decision: 'allow',
        status: 200,
        cache: 'hit',
      },
    ]);
    expect(await auditOf(`/v1/app/db?versionId=v1&roleArn=${ROLE}`, TOKEN)).toEqual([
      {
        ...byDefault,
        route: 'path',
        secret_id: 'app/db',
        version_id: 'v1',
        role_arn: ROLE,
        decision: 'allow',
        status: 200,
        cache: 'hit',
      },
    ]);
  });

  it('GET /secretsmanager/get: a denial, an upstream error, a malformed query', async () => {
    expect(await auditOf('/secretsmanager/get?secretId=ops/root', APP_TOKEN)).toEqual([
      { ...denied, route: 'get', secret_id: 'ops/root' },
    ]);
    expect(await auditOf(`/secretsmanager/get?secretId=app/db&roleArn=${ROLE}`, APP_TOKEN)).toEqual([
      { ...denied, route: 'get', secret_id: 'app/db', role_arn: ROLE },
    ]);
    expect(await auditOf('/secretsmanager/get?secretId=app/missing', APP_TOKEN)).toEqual([
      {
        ...byApp,
        route: 'get',
        secret_id: 'app/missing',
        decision: 'allow',
        status: 400,
        error: 'ResourceNotFoundException',
      },
    ]);
    expect(await auditOf('/secretsmanager/get?secretId=app/db&color=red', APP_TOKEN)).toEqual([
      { ...byApp, route: 'get', decision: 'reject', status: 400 },
    ]);
  });

  it('GET /secretsmanager/batch: every id asked for; allowed while any one is', async () => {
    expect(await auditOf('/secretsmanager/batch?secretId=app/db&secretId=ops/root', APP_TOKEN)).toEqual([
      { ...byApp, route: 'batch', secret_id: ['app/db', 'ops/root'], decision: 'allow', status: 200 },
    ]);
    expect(await auditOf('/secretsmanager/batch?secretId=ops/root', APP_TOKEN)).toEqual([
      { ...byApp, route: 'batch', secret_id: ['ops/root'], decision: 'deny', status: 200 },
    ]);
    expect(await auditOf(`/secretsmanager/batch?secretId=app/db&roleArn=${ROLE}`, APP_TOKEN)).toEqual([
      { ...denied, route: 'batch', secret_id: ['app/db'], role_arn: ROLE },
    ]);
  });

  it('GET /systemsmanager/parameters/get: the parameter, its version or label, and a reference’s secret', async () => {
    const route = '/systemsmanager/parameters/get';
    const served = { ...byApp, route: 'parameter', parameter: '/app/flag', decision: 'allow', status: 200 };
    expect(await auditOf(`${route}?name=/app/flag`, APP_TOKEN)).toEqual([{ ...served, cache: 'miss' }]);
    expect(await auditOf(`${route}?name=/app/flag&version=1`, APP_TOKEN)).toEqual([
      { ...served, version: '1', cache: 'miss' },
    ]);
    expect(await auditOf(`${route}/?name=/app/flag&label=prod`, APP_TOKEN)).toEqual([
      { ...served, label: 'prod', cache: 'miss' },
    ]);
    expect(
      await auditOf(`${route}?name=/aws/reference/secretsmanager/ref/db&withDecryption=true`, TOKEN),
    ).toEqual([
      {
        ...byDefault,
        route: 'parameter',
        parameter: '/aws/reference/secretsmanager/ref/db',
        secret_id: 'ref/db',
        decision: 'allow',
        status: 200,
        cache: 'hit',
      },
    ]);
    expect(await auditOf(`${route}?name=/aws/reference/secretsmanager/ref/db`, TOKEN)).toEqual([
      {
        ...byDefault,
        route: 'parameter',
        parameter: '/aws/reference/secretsmanager/ref/db',
        secret_id: 'ref/db',
        decision: 'reject',
        status: 400,
        error: 'ValidationException',
      },
    ]);
    expect(await auditOf(`${route}?name=/ops/flag&label=prod`, APP_TOKEN)).toEqual([
      { ...denied, route: 'parameter', parameter: '/ops/flag', label: 'prod' },
    ]);
    // Refused on the parameter already: the secret a reference names is still recorded.
    expect(
      await auditOf(`${route}?name=/aws/reference/secretsmanager/ops/root&withDecryption=true`, APP_TOKEN),
    ).toEqual([
      {
        ...denied,
        route: 'parameter',
        parameter: '/aws/reference/secretsmanager/ops/root',
        secret_id: 'ops/root',
      },
    ]);
    expect(await auditOf(`${route}?name=/app/none&version=2`, APP_TOKEN)).toEqual([
      {
        ...byApp,
        route: 'parameter',
        parameter: '/app/none',
        version: '2',
        decision: 'allow',
        status: 400,
        error: 'ParameterNotFound',
      },
    ]);
  });

  it('refusals before a route: the client when known, and no line for the health probes', async () => {
    expect(await auditOf('/secretsmanager/get?secretId=app/db', 'wrong-token')).toEqual([
      { client: null, method: 'GET', route: 'unknown', decision: 'reject', status: 403 },
    ]);
    expect(await auditOf('/secretsmanager/get?secretId=app/db', APP_TOKEN, 'POST')).toEqual([
      { ...byApp, method: 'POST', route: 'unknown', decision: 'reject', status: 405 },
    ]);
    expect(await auditOf('/elsewhere', APP_TOKEN)).toEqual([
      { ...byApp, route: 'unknown', decision: 'reject', status: 404 },
    ]);
    expect(await auditOf('/ping')).toEqual([]);
    expect(await auditOf('/ready')).toEqual([]);
    expect(await auditOf('/metrics')).toEqual([]);
  });
});
