/** `/systemsmanager/parameters/get`, the Lambda extension's Parameter Store route, over the fake reader and store:
 * the body, the parameters and their errors, references to secrets, policies and the audit line. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeParameters, parameter } from '../support/fake-parameters.js';
import { FakeReader, secretValue } from '../support/fake-reader.js';
import { rawRequest } from '../support/http.js';
import { type FakeSidecar, startFakeSidecar, TOKEN } from '../support/start.js';

const ROUTE = '/systemsmanager/parameters/get';
const SECRET_VALUE = 'sw0rdf1sh-c0rrect-h0rse';

let fake: FakeSidecar | undefined;
afterEach(async () => {
  await fake?.sidecar.close();
  fake = undefined;
});

async function start(options: Parameters<typeof startFakeSidecar>[0] = {}): Promise<FakeSidecar> {
  fake = await startFakeSidecar({
    parameters: new FakeParameters()
      .put(parameter('/app/flag', 'on', 3))
      .put(parameter('/app/flag', 'v1', 1), '1')
      .put(parameter('/app/flag', 'v2', 2), 'prod'),
    reader: new FakeReader().put(secretValue('db/main', SECRET_VALUE)),
    ...options,
  });
  return fake;
}

const get = (path: string, token = TOKEN) =>
  rawRequest(fake!.url, path, { headers: { 'X-Aws-Parameters-Secrets-Token': token } });

describe('the Parameter Store route', () => {
  it("answers GetParameter's JSON, with and without a trailing slash, from the cache on repeat", async () => {
    await start();
    const first = await get(`${ROUTE}?name=%2Fapp%2Fflag`);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.headers['x-cache']).toBe('miss');
    expect(JSON.parse(first.body)).toEqual({
      Parameter: {
        ARN: 'arn:aws:ssm:us-east-1:123456789012:parameter/app/flag',
        DataType: 'text',
        LastModifiedDate: 1569534789.046,
        Name: '/app/flag',
        Type: 'String',
        Value: 'on',
        Version: 3,
      },
      ResultMetadata: {},
    });
    const again = await get(`${ROUTE}/?name=/app/flag`);
    expect(again.status).toBe(200);
    expect(again.headers['x-cache']).toBe('hit');
    expect(fake!.parameters.calls).toBe(1);
  });

  it('selects a version or a label', async () => {
    await start();
    expect(JSON.parse((await get(`${ROUTE}?name=/app/flag&version=1`)).body).Parameter.Value).toBe('v1');
    expect(JSON.parse((await get(`${ROUTE}?name=/app/flag&label=prod`)).body).Parameter.Value).toBe('v2');
  });

  it.each([
    ['', 'missing parameter name'],
    ['?name=', 'missing parameter name'],
    ['?name=/app/flag&secretId=x', 'unknown parameter: secretId'],
    ['?name=/app/flag&Name=x', 'unknown parameter: Name'],
    ['?name=/app/flag&version=0', 'invalid version value'],
    ['?name=/app/flag&version=two', 'invalid version value'],
    ['?name=/app/flag&label=', 'invalid label value'],
    ['?name=/app/flag&version=1&label=prod', 'version and label cannot be used together'],
    ['?name=/app/flag&withDecryption=yes', 'invalid withDecryption value'],
  ])('refuses %s with 400 "%s", without asking SSM', async (query, message) => {
    await start();
    const response = await get(`${ROUTE}${query}`);
    expect(response).toMatchObject({ status: 400, body: message });
    expect(fake!.parameters.calls).toBe(0);
  });

  it("passes SSM's errors through with their status, in the agent's JSON error shape", async () => {
    await start();
    const response = await get(`${ROUTE}?name=/app/missing`);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      __type: 'ParameterNotFound',
      message: 'Parameter /app/missing not found.',
    });
  });

  it('runs the token and forwarding checks first', async () => {
    await start();
    expect((await get(`${ROUTE}?name=/app/flag`, 'wrong')).status).toBe(403);
    const forwarded = await rawRequest(fake!.url, `${ROUTE}?name=/app/flag`, {
      headers: { 'X-Aws-Parameters-Secrets-Token': TOKEN, 'X-Forwarded-For': '10.0.0.1' },
    });
    expect(forwarded).toMatchObject({ status: 400, body: 'Forwarded' });
    expect(fake!.parameters.calls).toBe(0);
  });

  it('reads a Secrets Manager reference through the secret cache, as Parameter Store answers it', async () => {
    await start();
    const response = await get(`${ROUTE}?name=/aws/reference/secretsmanager/db/main&withDecryption=true`);
    expect(response.status).toBe(200);
    const { Parameter } = JSON.parse(response.body);
    expect(Parameter).toMatchObject({
      ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db/main-AbCdEf',
      Name: '/aws/reference/secretsmanager/db/main',
      Type: 'SecureString',
      Value: SECRET_VALUE,
      Version: 0,
    });
    expect(JSON.parse(Parameter.SourceResult)).toEqual({
      ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db/main-AbCdEf',
      CreatedDate: 1569534789.046,
      Name: 'db/main',
      VersionId: 'v1',
      VersionStages: ['AWSCURRENT'],
    });
    expect(fake!.reader.calls.map((call) => call.secretId)).toEqual(['db/main']);
    expect(fake!.parameters.calls).toBe(0);
  });

  it('passes the reference prefix without an id to Parameter Store', async () => {
    await start();
    const response = await get(`${ROUTE}?name=/aws/reference/secretsmanager/&withDecryption=true`);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).__type).toBe('ParameterNotFound');
    expect(fake!.parameters.calls).toBe(1);
    expect(fake!.reader.calls).toEqual([]);
  });

  it('refuses a reference read without decryption, as Parameter Store does', async () => {
    await start();
    const response = await get(`${ROUTE}?name=/aws/reference/secretsmanager/db/main`);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).__type).toBe('ValidationException');
    expect(fake!.reader.calls).toEqual([]);
  });

  it('applies client policies to parameters and, for a reference, to the secret too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-parameters-'));
    const file = join(dir, 'config.toml');
    writeFileSync(
      file,
      `[[latchkey.clients]]
name = "app"
token = "app-token"
policy = { Version = "2012-10-17", Statement = [
  { Effect = "Allow", Action = "ssm:GetParameter", Resource = ["arn:aws:ssm:*:*:parameter/app/*", "/aws/reference/*"] },
] }
`,
    );
    await start({ file });
    expect((await get(`${ROUTE}?name=/app/flag`, 'app-token')).status).toBe(200);
    const other = await get(`${ROUTE}?name=/other/flag`, 'app-token');
    expect(other.status).toBe(403);
    expect(JSON.parse(other.body).__type).toBe('AccessDeniedException');
    // Allowed to call GetParameter on the reference, but not to read the secret behind it.
    const reference = await get(
      `${ROUTE}?name=/aws/reference/secretsmanager/db/main&withDecryption=1`,
      'app-token',
    );
    expect(reference.status).toBe(403);
    expect(JSON.parse(reference.body).message).toContain('secretsmanager:GetSecretValue');
    expect(fake!.parameters.calls).toBe(1);
    expect(fake!.reader.calls).toEqual([]);
  });

  it('writes an audit line naming the parameter and its version or label, and never a value, in the audit log or a debug log', async () => {
    await start({ overrides: [{ key: 'log_level', value: 'debug' }] });
    await get(`${ROUTE}?name=/app/flag`);
    await get(`${ROUTE}?name=/aws/reference/secretsmanager/db/main&withDecryption=true`);
    await get(`${ROUTE}?name=/app/flag&version=1`);
    await get(`${ROUTE}?name=/app/flag&label=prod`);
    const [plain, reference, version, label] = fake!.audit.records;
    expect(plain).not.toHaveProperty('version');
    expect(plain).not.toHaveProperty('label');
    expect(version).toMatchObject({ parameter: '/app/flag', version: '1', status: 200 });
    expect(label).toMatchObject({ parameter: '/app/flag', label: 'prod', status: 200 });
    expect([plain, reference]).toMatchObject([
      { route: 'parameter', parameter: '/app/flag', decision: 'allow', status: 200, cache: 'miss' },
      {
        route: 'parameter',
        parameter: '/aws/reference/secretsmanager/db/main',
        secret_id: 'db/main',
        status: 200,
      },
    ]);
    expect(fake!.audit.text).not.toContain(SECRET_VALUE);
    expect(fake!.logs.text).not.toContain(SECRET_VALUE);
  });
});
