/** Security behaviour on the real stack: tokens, forwarding headers, per-client policies that stop requests
 * before AWS, one audit line per request, and no secret value in any log line (debug level included). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, rawSocketStatus } from '../support/http.js';
import { type Stack, startStack } from '../support/stack.js';

const VALUE = 'S3cr3t-value-that-must-never-be-logged';
const BILLING_TOKEN = 'billing-token-1f2e';
let stack: Stack;
let allowed: string;
let denied: string;
let tokenFile: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-security-'));
  tokenFile = join(dir, 'ops-token');
  writeFileSync(tokenFile, 'ops-token-1\n');
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    `log_level = "debug"

[[latchkey.clients]]
name = "billing"
token = "${BILLING_TOKEN}"
policy = { Version = "2012-10-17", Statement = [
  { Effect = "Allow", Action = ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"], Resource = "billing/*" },
  { Effect = "Deny", Action = "secretsmanager:*", Resource = "billing/admin-*" },
] }

[[latchkey.clients]]
name = "assumer"
token = "assumer-token-9c1d"
policy = { Version = "2012-10-17", Statement = [
  { Effect = "Allow", Action = "secretsmanager:GetSecretValue", Resource = "*" },
  { Effect = "Allow", Action = "sts:AssumeRole", Resource = "arn:aws:iam::*:role/reader-*" },
] }

[[latchkey.clients]]
name = "ops"
token = "file://${tokenFile}"
policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:*:*:secret:billing/*"}]}'
`,
  );
  stack = await startStack({ file: config, overrides: [{ key: 'token_reload_interval_ms', value: '50' }] });
  allowed = `billing/${stack.name('invoices')}`;
  denied = `billing/admin-${stack.name('root')}`;
  await stack.create(allowed, VALUE);
  await stack.create(denied, VALUE);
  await stack.create(stack.name('other'), VALUE);
});
afterAll(async () => stack?.close());

const as = (token: string, path: string, headers: Record<string, string> = {}) =>
  rawRequest(stack.url, path, { headers: { 'X-Aws-Parameters-Secrets-Token': token, ...headers } });

describe('tokens and forwarding', () => {
  it.each([
    ['no token', {}, 403, 'Bad Token'],
    ['a wrong token', { 'X-Aws-Parameters-Secrets-Token': 'wrong' }, 403, 'Bad Token'],
    ['X-Forwarded-For', { 'X-Forwarded-For': '203.0.113.9', 'X-Vault-Token': 'valid' }, 400, 'Forwarded'],
    ['Forwarded', { Forwarded: 'for=203.0.113.9', 'X-Vault-Token': 'valid' }, 400, 'Forwarded'],
    ['X-Real-IP', { 'X-Real-IP': '203.0.113.9', 'X-Vault-Token': 'valid' }, 400, 'Forwarded'],
  ] as [string, Record<string, string>, number, string][])(
    'refuses %s',
    async (_name, headers, status, body) => {
      const withToken = Object.fromEntries(
        Object.entries(headers).map(([key, value]) => [key, value === 'valid' ? stack.token : value]),
      );
      const response = await rawRequest(stack.url, `/v1/${allowed}`, { headers: withToken });
      expect([response.status, response.body]).toEqual([status, body]);
    },
  );

  it('refuses more headers than it checks (431), before any check or read: a forwarding header behind padding too', async () => {
    const padding = Array.from({ length: 1100 }, (_, i) => `X-Pad-${i}: a\r\n`).join('');
    const before = stack.emulator.calls();
    for (const path of [`/v1/${allowed}`, '/ping']) {
      const head = `GET ${path} HTTP/1.1\r\nHost: localhost\r\nX-Vault-Token: ${stack.token}\r\n${padding}X-Forwarded-For: 203.0.113.9\r\nConnection: close\r\n\r\n`;
      expect(await rawSocketStatus(stack.url, head)).toBe(431);
    }
    expect(stack.emulator.calls()).toEqual(before);
  });
});

describe('per-client policies', () => {
  it('serves what a client is allowed', async () => {
    const response = await as(BILLING_TOKEN, `/v1/${allowed}`);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).SecretString).toBe(VALUE);
  });

  it('denies with 403 AccessDeniedException and never reaches AWS (explicit deny, and no matching allow)', async () => {
    const before = stack.emulator.calls();
    const explicit = await as(BILLING_TOKEN, `/v1/${denied}`);
    const implicit = await as(
      BILLING_TOKEN,
      `/secretsmanager/get?secretId=${stack.name('other')}&refreshNow=true`,
    );
    for (const response of [explicit, implicit]) {
      expect(response.status).toBe(403);
      expect(response.headers['content-type']).toBe('application/json');
      expect(JSON.parse(response.body).__type).toBe('AccessDeniedException');
    }
    expect(stack.emulator.calls()).toEqual(before);
  });

  it('checks the real ARN after the read: an ARN-pattern policy matches a name request', async () => {
    expect((await as('ops-token-1', `/v1/${allowed}`)).status).toBe(200);
    expect((await as('ops-token-1', `/v1/${stack.name('other')}`)).status).toBe(403);
  });

  it('applies the policy per secret in a batch', async () => {
    const response = await as(BILLING_TOKEN, `/secretsmanager/batch?secretId=${allowed}&secretId=${denied}`);
    const body = JSON.parse(response.body);
    expect(body.SecretValues.map((value: { Name: string }) => value.Name)).toEqual([allowed]);
    expect(body.Errors).toEqual([
      expect.objectContaining({ SecretId: denied, ErrorCode: 'AccessDeniedException' }),
    ]);
  });

  it('lets a client use roleArn only for roles its policy allows sts:AssumeRole on; otherwise 403 and no STS call', async () => {
    const role = (name: string) => `arn:aws:iam::000000000000:role/${name}`;
    const read = (token: string, roleArn: string, route = 'get') =>
      as(
        token,
        route === 'get'
          ? `/secretsmanager/get?secretId=${allowed}&roleArn=${encodeURIComponent(roleArn)}`
          : `/secretsmanager/batch?secretId=${allowed}&roleArn=${encodeURIComponent(roleArn)}`,
      );
    const before = stack.emulator.calls('AssumeRole');
    for (const [token, roleArn] of [
      [BILLING_TOKEN, role('reader-billing')],
      ['assumer-token-9c1d', role('admin')],
    ] as const) {
      for (const route of ['get', 'batch']) {
        const response = await read(token, roleArn, route);
        expect(response.status).toBe(403);
        expect(JSON.parse(response.body)).toMatchObject({
          __type: 'AccessDeniedException',
          message: expect.stringContaining(`sts:AssumeRole on resource ${roleArn}`),
        });
      }
    }
    expect(stack.emulator.calls('AssumeRole')).toBe(before);
    const assumed = await read('assumer-token-9c1d', role('reader-1'));
    expect(assumed.status).toBe(200);
    expect(stack.emulator.calls('AssumeRole')).toBeGreaterThan(before);
    // The single-token (default) client may use any role, as with the agent.
    expect((await read(stack.token, role('admin'))).status).toBe(200);
  });

  it('keeps the default (SSRF token) client allowed everything', async () => {
    expect((await as(stack.token, `/v1/${denied}`)).status).toBe(200);
  });

  it('accepts a rotated client token file, and the old one during the grace period', async () => {
    writeFileSync(tokenFile, 'ops-token-2\n');
    await expect
      .poll(async () => (await as('ops-token-2', `/v1/${allowed}`)).status, { timeout: 5000 })
      .toBe(200);
    expect((await as('ops-token-1', `/v1/${allowed}`)).status).toBe(200);
  });
});

describe('audit and logs', () => {
  it('writes one audit line per request, with client, secret, decision, status, cache and latency', async () => {
    const before = stack.audit.lines.length;
    await as(BILLING_TOKEN, `/v1/${allowed}?versionStage=AWSCURRENT`);
    await as(BILLING_TOKEN, `/v1/${denied}`);
    await as('wrong', `/v1/${allowed}`);
    await rawRequest(stack.url, '/ping');
    const records = stack.audit.records.slice(before);
    expect(records).toHaveLength(3);
    expect(records[0]).toMatchObject({
      client: 'billing',
      secret_id: allowed,
      version_stage: 'AWSCURRENT',
      decision: 'allow',
      status: 200,
      route: 'path',
    });
    expect(records[0]?.cache).toMatch(/^(hit|miss|stale)$/);
    expect(typeof records[0]?.latency_ms).toBe('number');
    expect(Date.parse(String(records[0]?.time))).not.toBeNaN();
    expect(records[1]).toMatchObject({ client: 'billing', secret_id: denied, decision: 'deny', status: 403 });
    expect(records[2]).toMatchObject({ client: null, decision: 'reject', status: 403 });
  });

  it('never writes a secret value or a token to the audit log or the debug log', async () => {
    await as(stack.token, `/v1/${allowed}?refreshNow=true`);
    await as(stack.token, `/secretsmanager/batch?secretId=${allowed}&secretId=${denied}`);
    expect(stack.logs.records.some((record) => record.level === 20)).toBe(true);
    // The per-request debug line is among them, with its request id.
    expect(stack.logs.records.some((record) => record.msg === 'request' && record.reqId !== undefined)).toBe(
      true,
    );
    for (const text of [stack.logs.text, stack.audit.text]) {
      expect(text).not.toContain(VALUE);
      expect(text).not.toContain(BILLING_TOKEN);
      expect(text).not.toContain(stack.token);
      expect(text).not.toContain('ops-token-');
      expect(text).not.toContain('assumer-token-9c1d');
    }
  });
});
