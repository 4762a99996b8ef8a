/** The Parameter Store route on the real stack: the sidecar's SSM client over HTTP to the emulator, parameters
 * written with the AWS SDK's SSMClient; caching, selectors, SecureStrings, references, faults, no value in logs. */
import {
  GetParameterCommand,
  LabelParameterVersionCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../support/http.js';
import { type Stack, startStack } from '../support/stack.js';

const ROUTE = '/systemsmanager/parameters/get';
const SECURE_VALUE = 'pg-p4ssw0rd-never-logged';

let stack: Stack;
let ssm: SSMClient;

beforeAll(async () => {
  stack = await startStack({ overrides: [{ key: 'log_level', value: 'debug' }] });
  ssm = new SSMClient(stack.emulator.clientConfig);
});

afterAll(async () => {
  ssm?.destroy();
  await stack?.close();
});

function read(base: string, token: string, query: string) {
  return rawRequest(base, `${ROUTE}?${query}`, { headers: { 'X-Aws-Parameters-Secrets-Token': token } });
}
const get = (query: string) => read(stack.url, stack.token, query);
const put = (Name: string, Value: string, Type: 'String' | 'SecureString' = 'String') =>
  ssm.send(new PutParameterCommand({ Name, Value, Type, Overwrite: true }));

describe('Parameter Store through the sidecar', () => {
  it('answers what GetParameter answers, once per TTL for concurrent readers', async () => {
    const name = `/${stack.name('app')}/flag`;
    await put(name, 'on');
    stack.emulator.resetCalls();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => get(`name=${encodeURIComponent(name)}`)),
    );
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(stack.emulator.calls('GetParameter')).toBe(1);
    const { Parameter: direct } = await ssm.send(new GetParameterCommand({ Name: name }));
    if (direct === undefined) throw new Error('GetParameter answered without a Parameter');
    const body = JSON.parse((answers[0] as { body: string }).body);
    expect(body).toEqual({
      Parameter: {
        ARN: direct.ARN,
        DataType: direct.DataType,
        LastModifiedDate: (direct.LastModifiedDate as Date).getTime() / 1000,
        Name: name,
        Type: 'String',
        Value: 'on',
        Version: direct.Version,
      },
      ResultMetadata: {},
    });
    expect((await get(`name=${name}`)).headers['x-cache']).toBe('hit');
  });

  it('selects versions and labels, and passes not-found errors through', async () => {
    const name = `/${stack.name('app')}/mode`;
    await put(name, 'first');
    await put(name, 'second');
    await ssm.send(new LabelParameterVersionCommand({ Name: name, ParameterVersion: 1, Labels: ['stable'] }));
    const first = JSON.parse((await get(`name=${name}&version=1`)).body).Parameter;
    expect(first).toMatchObject({ Value: 'first', Version: 1, Selector: ':1' });
    expect(JSON.parse((await get(`name=${name}&label=stable`)).body).Parameter.Value).toBe('first');
    expect(JSON.parse((await get(`name=${name}`)).body).Parameter.Value).toBe('second');
    const missing = await get(`name=${name}&version=9`);
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.body).__type).toBe('ParameterVersionNotFound');
    expect(JSON.parse((await get(`name=/${stack.name('nothing')}`)).body).__type).toBe('ParameterNotFound');
  });

  it('decrypts a SecureString only when asked, and keeps its value out of logs and the audit log', async () => {
    const name = `/${stack.name('db')}/password`;
    await put(name, SECURE_VALUE, 'SecureString');
    const sealed = JSON.parse((await get(`name=${name}`)).body).Parameter;
    expect(sealed.Type).toBe('SecureString');
    expect(sealed.Value).not.toContain(SECURE_VALUE);
    const opened = JSON.parse((await get(`name=${name}&withDecryption=true`)).body).Parameter;
    expect(opened.Value).toBe(SECURE_VALUE);
    expect(stack.logs.text).not.toContain(SECURE_VALUE);
    expect(stack.audit.text).not.toContain(SECURE_VALUE);
    expect(stack.audit.records.filter((line) => line.parameter === name)).toHaveLength(2);
  });

  it('reads a Secrets Manager reference through the secret cache, and with a selector through Parameter Store', async () => {
    const id = stack.name('ref/db');
    await stack.create(id, 'from-secrets-manager');
    stack.emulator.resetCalls();
    const reference = `/aws/reference/secretsmanager/${id}`;
    const viaCache = JSON.parse((await get(`name=${reference}&withDecryption=true`)).body).Parameter;
    expect(viaCache).toMatchObject({
      Name: reference,
      Type: 'SecureString',
      Value: 'from-secrets-manager',
      Version: 0,
    });
    expect(stack.emulator.calls('GetParameter')).toBe(0);
    // The same secret by its own route is now a cache hit: one cache per secret.
    const direct = await rawRequest(stack.url, `/v1/${id}`, {
      headers: { 'X-Aws-Parameters-Secrets-Token': stack.token },
    });
    expect(direct.headers['x-cache']).toBe('hit');
    const viaSsm = JSON.parse(
      (await get(`name=${reference}&label=AWSCURRENT&withDecryption=true`)).body,
    ).Parameter;
    expect(viaSsm).toMatchObject({ Value: 'from-secrets-manager', Type: 'SecureString' });
    expect(stack.emulator.calls('GetParameter')).toBe(1);
  });

  it('serves a cached parameter stale while SSM is throttled, within max_stale_seconds', async () => {
    const short = await startStack({
      emulator: stack.emulator,
      overrides: [
        { key: 'parameter_ttl_seconds', value: '1' },
        { key: 'max_stale_seconds', value: '60' },
      ],
    });
    const name = `/${short.name('app')}/limit`;
    try {
      await put(name, '42');
      expect((await read(short.url, short.token, `name=${name}`)).status).toBe(200);
      const fault = stack.emulator.faults.inject({ kind: 'throttling', operation: 'GetParameter' });
      try {
        await expect
          .poll(async () => (await read(short.url, short.token, `name=${name}`)).headers['x-cache'], {
            timeout: 10_000,
            interval: 100,
          })
          .toBe('stale');
        const stale = await read(short.url, short.token, `name=${name}`);
        expect(stale.status).toBe(200);
        expect(JSON.parse(stale.body).Parameter.Value).toBe('42');
      } finally {
        stack.emulator.faults.clear(fault);
      }
      // A parameter never cached gets the throttling error itself.
      const cold = `/${short.name('app')}/cold`;
      await put(cold, 'x');
      const fault2 = stack.emulator.faults.inject({ kind: 'throttling', operation: 'GetParameter' });
      try {
        const response = await read(short.url, short.token, `name=${cold}`);
        expect(response.status).toBe(400);
        expect(JSON.parse(response.body).__type).toBe('ThrottlingException');
      } finally {
        stack.emulator.faults.clear(fault2);
      }
    } finally {
      await short.close();
    }
  });
});
