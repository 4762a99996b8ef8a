/** Per-client policies on the real stack, as a matrix: a secret asked for by name, full ARN or partial ARN, and a
 * parameter by name or ARN, against Allow and Deny statements on name patterns and ARN patterns (the right account
 * and region, or another), on the single, batch and Parameter Store routes. An ARN pattern is matched against the
 * real ARN only, a name pattern against the real name only. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../support/http.js';
import { type Stack, startStack } from '../support/stack.js';

const ACCOUNT = '000000000000';
const OTHER_ACCOUNT = '111111111111';

interface Case {
  readonly client: string;
  readonly allowed: boolean;
  /** The statements, given the emulator's region. */
  readonly statements: (region: string) => string;
}

const secretArn = (region: string, account: string) =>
  `arn:aws:secretsmanager:${region}:${account}:secret:billing/*`;
const parameterArn = (region: string, account: string) =>
  `arn:aws:ssm:${region}:${account}:parameter/billing/*`;
const READS = '["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue", "ssm:GetParameter"]';
/** Reading a reference is a GetParameter call on `/aws/reference/…` too. */
const REFERENCES = '{ Effect = "Allow", Action = "ssm:GetParameter", Resource = "/aws/reference/*" }';
const allow = (resources: string[]) =>
  `{ Effect = "Allow", Action = ${READS}, Resource = ${JSON.stringify(resources)} }, ${REFERENCES}`;
const allowAllBut = (resources: string[]) =>
  `{ Effect = "Allow", Action = "*", Resource = "*" }, { Effect = "Deny", Action = "*", Resource = ${JSON.stringify(resources)} }`;

const CASES: readonly Case[] = [
  { client: 'allow-name', allowed: true, statements: () => allow(['billing/*', '/billing/*']) },
  {
    client: 'allow-arn',
    allowed: true,
    statements: (region) => allow([secretArn(region, ACCOUNT), parameterArn(region, ACCOUNT)]),
  },
  {
    client: 'allow-arn-other-account',
    allowed: false,
    statements: (region) => allow([secretArn(region, OTHER_ACCOUNT), parameterArn(region, OTHER_ACCOUNT)]),
  },
  {
    client: 'allow-arn-other-region',
    allowed: false,
    statements: () => allow([secretArn('eu-north-9', ACCOUNT), parameterArn('eu-north-9', ACCOUNT)]),
  },
  {
    client: 'allow-arn-other-partition',
    allowed: false,
    statements: (region) =>
      allow(
        [secretArn(region, ACCOUNT), parameterArn(region, ACCOUNT)].map((arn) =>
          arn.replace(':aws:', ':aws-cn:'),
        ),
      ),
  },
  { client: 'deny-name', allowed: false, statements: () => allowAllBut(['billing/*', '/billing/*']) },
  {
    client: 'deny-arn',
    allowed: false,
    statements: (region) => allowAllBut([secretArn(region, ACCOUNT), parameterArn(region, ACCOUNT)]),
  },
  {
    client: 'deny-arn-other-account',
    allowed: true,
    statements: (region) =>
      allowAllBut([secretArn(region, OTHER_ACCOUNT), parameterArn(region, OTHER_ACCOUNT)]),
  },
];

let stack: Stack;
let secret: { name: string; arn: string };
let parameter: { name: string; arn: string };

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-authorize-'));
  const file = join(dir, 'config.toml');
  let region = '';
  stack = await startStack({
    file,
    before: async (emulator) => {
      region = emulator.region;
      const clients = CASES.map(
        ({ client, statements }) => `[[latchkey.clients]]
name = "${client}"
token = "token-${client}"
policy = { Version = "2012-10-17", Statement = [ ${statements(region)} ] }
`,
      );
      writeFileSync(file, clients.join('\n'));
    },
  });
  const name = `billing/${stack.name('ledger')}`;
  const created = await stack.create(name, 'ledger-value');
  secret = { name, arn: created.ARN as string };
  const ssm = new SSMClient(stack.emulator.clientConfig);
  const parameterName = `/billing/${stack.name('flag')}`;
  await ssm.send(new PutParameterCommand({ Name: parameterName, Value: 'on', Type: 'String' }));
  ssm.destroy();
  parameter = {
    name: parameterName,
    arn: `arn:aws:ssm:${region}:${ACCOUNT}:parameter${parameterName}`,
  };
});
afterAll(async () => stack?.close());

const as = (client: string, path: string) =>
  rawRequest(stack.url, path, { headers: { 'X-Aws-Parameters-Secrets-Token': `token-${client}` } });

/** The secret's id in each form a client may use. */
const secretIds = () => ({
  name: secret.name,
  'full ARN': secret.arn,
  'partial ARN': secret.arn.slice(0, -7),
});

/** Whether each route served the secret (true) or refused it with AccessDeniedException (false). */
async function secretOutcomes(client: string, secretId: string): Promise<Record<string, boolean>> {
  const id = encodeURIComponent(secretId);
  const single = await as(client, `/secretsmanager/get?secretId=${id}`);
  const path = await as(client, `/v1/${secretId}`);
  const batch = await as(client, `/secretsmanager/batch?secretId=${id}`);
  const reference = await as(
    client,
    `/systemsmanager/parameters/get?name=${encodeURIComponent(`/aws/reference/secretsmanager/${secretId}`)}&withDecryption=true`,
  );
  const served = (response: { status: number; body: string }) => {
    if (response.status === 200) return true;
    expect([response.status, JSON.parse(response.body).__type]).toEqual([403, 'AccessDeniedException']);
    return false;
  };
  const batchBody = JSON.parse(batch.body);
  expect(batch.status).toBe(200);
  const inBatch = batchBody.SecretValues.length === 1;
  if (!inBatch) expect(batchBody.Errors).toMatchObject([{ ErrorCode: 'AccessDeniedException' }]);
  return { single: served(single), path: served(path), batch: inBatch, reference: served(reference) };
}

describe.each(CASES)('client $client', ({ client, allowed }) => {
  it.each(['name', 'full ARN', 'partial ARN'] as const)(
    `${allowed ? 'reads' : 'is refused'} the secret asked for by %s, on every route`,
    async (form) => {
      const outcomes = await secretOutcomes(client, secretIds()[form]);
      expect(outcomes).toEqual({ single: allowed, path: allowed, batch: allowed, reference: allowed });
    },
  );

  it.each(['name', 'ARN'] as const)(
    `${allowed ? 'reads' : 'is refused'} the parameter asked for by %s`,
    async (form) => {
      const name = form === 'name' ? parameter.name : parameter.arn;
      const response = await as(client, `/systemsmanager/parameters/get?name=${encodeURIComponent(name)}`);
      expect(response.status).toBe(allowed ? 200 : 403);
      if (allowed) expect(JSON.parse(response.body).Parameter.Value).toBe('on');
    },
  );
});
