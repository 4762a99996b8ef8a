import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersCommand,
  LabelParameterVersionCommand,
  type ParameterType,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/index.js';
import { emu, failure, rawJsonRequest, sm, ssmClient, uniqueName, useEmulator } from '../support/emulator.js';

useEmulator();
let ssm: SSMClient;
beforeAll(() => {
  ssm = ssmClient(emu);
});
afterEach(() => emu.faults.clear());

/** A fresh hierarchical parameter name. */
const paramName = (prefix = 'params') => `/${uniqueName(prefix)}`;

const put = (Name: string, Value: string, extra: { Type?: ParameterType; Overwrite?: boolean } = {}) =>
  ssm.send(new PutParameterCommand({ Name, Value, Type: 'String', ...extra }));
const get = (Name: string, WithDecryption?: boolean) =>
  ssm.send(new GetParameterCommand({ Name, WithDecryption })).then((result) => result.Parameter!);

describe('PutParameter and GetParameter', () => {
  it('creates version 1, refuses a second put without Overwrite, and overwrites as the next version', async () => {
    const name = paramName();
    expect(await put(name, 'v1')).toMatchObject({ Version: 1, Tier: 'Standard' });
    const first = await get(name);
    expect(first).toMatchObject({
      Name: name,
      Type: 'String',
      Value: 'v1',
      Version: 1,
      ARN: `arn:aws:ssm:us-east-1:000000000000:parameter${name}`,
      DataType: 'text',
    });
    expect(first.Selector).toBeUndefined();
    expect(first.LastModifiedDate).toBeInstanceOf(Date);

    const again = await failure(put(name, 'v2'));
    expect(again.name).toBe('ParameterAlreadyExists');
    expect(again.message).toBe(
      'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
    );
    expect((await get(name)).Value).toBe('v1');

    // Overwrite may leave Type out: the parameter keeps its type.
    const overwritten = await ssm.send(new PutParameterCommand({ Name: name, Value: 'v2', Overwrite: true }));
    expect(overwritten.Version).toBe(2);
    expect(await put(name, 'v3', { Overwrite: true })).toMatchObject({ Version: 3 });
    expect(await get(name)).toMatchObject({ Value: 'v3', Version: 3, Type: 'String' });
  });

  it('refuses to change the type of an existing parameter', async () => {
    const name = paramName();
    await put(name, 'a,b');
    const error = await failure(put(name, 'c', { Type: 'SecureString', Overwrite: true }));
    expect(error.name).toBe('HierarchyTypeMismatchException');
    expect(error.message).toContain(name);
    expect(await get(name)).toMatchObject({ Value: 'a,b', Version: 1 });
  });

  it('reads a parameter by ARN; a name without / has the ARN parameter/<name>', async () => {
    const hierarchical = paramName();
    await put(hierarchical, 'deep', { Type: 'StringList' });
    const byArn = await get(`arn:aws:ssm:us-east-1:000000000000:parameter${hierarchical}`);
    expect(byArn).toMatchObject({ Name: hierarchical, Value: 'deep', Type: 'StringList' });

    const flat = `flat-${uniqueName('x').slice(2)}`;
    await put(flat, 'top');
    const read = await get(flat);
    expect(read.ARN).toBe(`arn:aws:ssm:us-east-1:000000000000:parameter/${flat}`);
    expect((await get(read.ARN!)).Value).toBe('top');
    const otherAccount = await failure(get(read.ARN!.replace(':000000000000:', ':111111111111:')));
    expect(otherAccount.name).toBe('ParameterNotFound');
  });

  it('answers ParameterNotFound for a missing parameter, naming it', async () => {
    const name = paramName('missing');
    const error = await failure(get(name));
    expect(error.name).toBe('ParameterNotFound');
    expect(error.message).toContain(name);
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });
});

describe('selectors and LabelParameterVersion', () => {
  it('reads a version by number and by label, echoing the selector', async () => {
    const name = paramName();
    await put(name, 'one');
    await put(name, 'two', { Overwrite: true });
    expect(await get(`${name}:1`)).toMatchObject({ Name: name, Value: 'one', Version: 1, Selector: ':1' });
    expect(await get(`${name}:2`)).toMatchObject({ Value: 'two', Version: 2, Selector: ':2' });

    const labelled = await ssm.send(
      new LabelParameterVersionCommand({ Name: name, ParameterVersion: 1, Labels: ['prod'] }),
    );
    expect(labelled).toMatchObject({ ParameterVersion: 1, InvalidLabels: [] });
    expect(await get(`${name}:prod`)).toMatchObject({ Name: name, Value: 'one', Selector: ':prod' });

    for (const missing of [`${name}:3`, `${name}:staging`]) {
      const error = await failure(get(missing));
      expect(error.name).toBe('ParameterVersionNotFound');
      expect(error.message).toContain(name);
    }
  });

  it('moves a label to the version it is given to (the latest by default)', async () => {
    const name = paramName();
    await put(name, 'one');
    await ssm.send(new LabelParameterVersionCommand({ Name: name, Labels: ['live', 'blue'] }));
    await put(name, 'two', { Overwrite: true });
    expect((await get(`${name}:live`)).Version).toBe(1);
    const moved = await ssm.send(new LabelParameterVersionCommand({ Name: name, Labels: ['live'] }));
    expect(moved.ParameterVersion).toBe(2);
    expect(await get(`${name}:live`)).toMatchObject({ Version: 2, Value: 'two' });
    // The other label stays where it was.
    expect((await get(`${name}:blue`)).Version).toBe(1);
  });

  it('returns labels that break the rules in InvalidLabels without attaching them', async () => {
    const name = paramName();
    await put(name, 'v');
    const invalid = ['12', '3rd', 'awsLabel', 'SSM-label', 'has space'];
    const result = await ssm.send(
      new LabelParameterVersionCommand({ Name: name, Labels: [...invalid, 'good_label.1-x'] }),
    );
    expect(result.InvalidLabels).toEqual(invalid);
    expect((await get(`${name}:good_label.1-x`)).Version).toBe(1);
    expect((await failure(get(`${name}:awsLabel`))).name).toBe('ParameterVersionNotFound');
  });

  it('refuses a missing parameter or version, and more than ten labels on one version', async () => {
    const name = paramName();
    await put(name, 'v');
    const noParameter = await failure(
      ssm.send(new LabelParameterVersionCommand({ Name: paramName('missing'), Labels: ['a'] })),
    );
    expect(noParameter.name).toBe('ParameterNotFound');
    const noVersion = await failure(
      ssm.send(new LabelParameterVersionCommand({ Name: name, ParameterVersion: 7, Labels: ['a'] })),
    );
    expect(noVersion.name).toBe('ParameterVersionNotFound');
    const ten = Array.from({ length: 10 }, (_, i) => `label${i}`);
    await ssm.send(new LabelParameterVersionCommand({ Name: name, Labels: ten }));
    const eleventh = await failure(
      ssm.send(new LabelParameterVersionCommand({ Name: name, Labels: ['one-more'] })),
    );
    expect(eleventh.name).toBe('ParameterVersionLabelLimitExceeded');
    expect((await failure(get(`${name}:one-more`))).name).toBe('ParameterVersionNotFound');
  });
});

describe('SecureString', () => {
  const plaintext = 'hunter2-plaintext-7c1e';

  it('answers opaque ciphertext without decryption and the value with it', async () => {
    const name = paramName();
    await put(name, plaintext, { Type: 'SecureString' });
    const sealed = await get(name);
    expect(sealed.Type).toBe('SecureString');
    expect(sealed.Value).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(sealed.Value).not.toContain(plaintext);
    expect(Buffer.from(sealed.Value!, 'base64').toString('latin1')).not.toContain(plaintext);
    expect(sealed.Value).not.toContain(Buffer.from(plaintext).toString('base64').slice(0, 12));
    expect((await get(name, false)).Value).toBe(sealed.Value);
    expect(await get(name, true)).toMatchObject({ Type: 'SecureString', Value: plaintext, Version: 1 });

    // Each version has its own ciphertext, even for the same value.
    await put(name, plaintext, { Type: 'SecureString', Overwrite: true });
    expect((await get(name)).Value).not.toBe(sealed.Value);
    expect((await get(`${name}:1`)).Value).toBe(sealed.Value);
  });

  it('ignores WithDecryption for String parameters', async () => {
    const name = paramName();
    await put(name, 'plain');
    expect((await get(name, true)).Value).toBe('plain');
    expect((await get(name, false)).Value).toBe('plain');
  });
});

describe('the Secrets Manager reference /aws/reference/secretsmanager/<secret id>', () => {
  const reference = (secretId: string) => `/aws/reference/secretsmanager/${secretId}`;

  it("reads the secret's current value, with its metadata in SourceResult", async () => {
    const secret = uniqueName('app/db');
    const created = await sm.send(
      new CreateSecretCommand({ Name: secret, SecretString: '{"password":"p1"}' }),
    );
    const read = await get(reference(secret), true);
    expect(read).toMatchObject({
      Name: reference(secret),
      Type: 'SecureString',
      Value: '{"password":"p1"}',
      Version: 0,
      ARN: created.ARN,
      DataType: 'text',
    });
    expect(read.Selector).toBeUndefined();
    expect(read.LastModifiedDate).toBeInstanceOf(Date);
    const source = JSON.parse(read.SourceResult!);
    expect(source).toEqual({
      ARN: created.ARN,
      Name: secret,
      VersionId: created.VersionId,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: read.LastModifiedDate!.getTime() / 1000,
    });
    expect(read.SourceResult).not.toContain('p1');
    // A secret ARN works as the secret id too.
    expect((await get(reference(created.ARN!), true)).Value).toBe('{"password":"p1"}');
  });

  it('requires WithDecryption', async () => {
    const secret = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: secret, SecretString: 'v' }));
    for (const withDecryption of [undefined, false]) {
      const error = await failure(get(reference(secret), withDecryption));
      expect(error.name).toBe('ValidationException');
      expect(error.message).toBe('WithDecryption flag must be True for retrieving a Secret Manager secret.');
    }
  });

  it('answers a binary secret base64-encoded', async () => {
    const secret = uniqueName();
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await sm.send(new CreateSecretCommand({ Name: secret, SecretBinary: bytes }));
    const read = await get(reference(secret), true);
    expect(read.Value).toBe(Buffer.from(bytes).toString('base64'));
  });

  it('selects a version by staging label or version id, echoing the selector', async () => {
    const secret = uniqueName();
    const first = await sm.send(new CreateSecretCommand({ Name: secret, SecretString: 'old' }));
    await sm.send(new PutSecretValueCommand({ SecretId: secret, SecretString: 'new' }));
    expect(await get(reference(secret), true)).toMatchObject({ Value: 'new' });
    const previous = await get(`${reference(secret)}:AWSPREVIOUS`, true);
    expect(previous).toMatchObject({ Name: reference(secret), Value: 'old', Selector: ':AWSPREVIOUS' });
    expect(JSON.parse(previous.SourceResult!).VersionStages).toEqual(['AWSPREVIOUS']);
    const byId = await get(`${reference(secret)}:${first.VersionId}`, true);
    expect(byId).toMatchObject({ Value: 'old', Selector: `:${first.VersionId}` });
    const noStage = await failure(get(`${reference(secret)}:AWSPENDING`, true));
    expect(noStage.name).toBe('ParameterVersionNotFound');
  });

  it('answers ParameterNotFound for a missing secret and for one scheduled for deletion', async () => {
    const missing = await failure(get(reference(uniqueName('missing')), true));
    expect(missing.name).toBe('ParameterNotFound');
    const secret = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: secret, SecretString: 'gone-value' }));
    await sm.send(new DeleteSecretCommand({ SecretId: secret, RecoveryWindowInDays: 7 }));
    const deleted = await failure(get(reference(secret), true));
    expect(deleted.name).toBe('ParameterNotFound');
    expect(deleted.message).toContain(secret);
    expect(deleted.message).not.toContain('gone-value');
  });
});

describe('GetParameters', () => {
  it('answers the parameters it finds and lists the names it does not in InvalidParameters', async () => {
    const a = paramName();
    const b = paramName();
    const missing = paramName('missing');
    const secret = uniqueName();
    await put(a, 'A');
    await put(b, 'B-secure', { Type: 'SecureString' });
    await sm.send(new CreateSecretCommand({ Name: secret, SecretString: 'S' }));
    const result = await ssm.send(
      new GetParametersCommand({
        Names: [a, `${a}:9`, b, missing, `/aws/reference/secretsmanager/${secret}`],
        WithDecryption: true,
      }),
    );
    expect(result.Parameters?.map((p) => [p.Name, p.Value])).toEqual([
      [a, 'A'],
      [b, 'B-secure'],
      [`/aws/reference/secretsmanager/${secret}`, 'S'],
    ]);
    expect(result.InvalidParameters).toEqual([`${a}:9`, missing]);
    const sealed = await ssm.send(new GetParametersCommand({ Names: [b] }));
    expect(sealed.Parameters?.[0]?.Value).not.toBe('B-secure');
  });

  it('refuses an empty list and more than ten names', async () => {
    expect((await failure(ssm.send(new GetParametersCommand({ Names: [] })))).name).toBe(
      'ValidationException',
    );
    const eleven = Array.from({ length: 11 }, (_, i) => `/p/${i}`);
    const error = await failure(ssm.send(new GetParametersCommand({ Names: eleven })));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain("'names'");
  });
});

describe('DeleteParameter', () => {
  it('deletes every version; a second delete is ParameterNotFound; a new put starts at version 1', async () => {
    const name = paramName();
    await put(name, 'one');
    await put(name, 'two', { Overwrite: true });
    expect(await ssm.send(new DeleteParameterCommand({ Name: name }))).toMatchObject({});
    expect((await failure(get(name))).name).toBe('ParameterNotFound');
    expect((await failure(get(`${name}:1`))).name).toBe('ParameterNotFound');
    expect((await failure(ssm.send(new DeleteParameterCommand({ Name: name })))).name).toBe(
      'ParameterNotFound',
    );
    expect((await put(name, 'again')).Version).toBe(1);
  });
});

describe('validation', () => {
  const refused = async (
    input: { Name: string; Value: string; Type?: string },
    type: string,
    mentions: string,
  ) => {
    const error = await failure(ssm.send(new PutParameterCommand(input as { Name: string; Value: string })));
    expect(error.name).toBe(type);
    expect(error.message).toContain(mentions);
    return error;
  };

  it('names the member that is wrong, and never echoes the value', async () => {
    await refused({ Name: '/bad name', Value: 'v', Type: 'String' }, 'ValidationException', 'Name');
    await refused(
      { Name: 'relative/path', Value: 'v', Type: 'String' },
      'ValidationException',
      'beginning with /',
    );
    await refused({ Name: '/double//slash', Value: 'v', Type: 'String' }, 'ValidationException', 'Name');
    await refused({ Name: 'x'.repeat(2049), Value: 'v', Type: 'String' }, 'ValidationException', "'name'");
    for (const reserved of [
      'awsconfig',
      '/aws/x',
      'SSM-thing',
      '/Ssm/x',
      '/aws/reference/secretsmanager/s',
    ]) {
      await refused({ Name: reserved, Value: 'v', Type: 'String' }, 'ValidationException', '"aws" or "ssm"');
    }
    const long = 'L'.repeat(4097);
    const tooLong = await refused(
      { Name: paramName(), Value: long, Type: 'String' },
      'ValidationException',
      "'value'",
    );
    expect(tooLong.message).not.toContain('LLLL');
    await put(paramName(), 'L'.repeat(4096));
    await refused({ Name: paramName(), Value: 'v', Type: 'Secure' }, 'ValidationException', 'Type');
    await refused({ Name: paramName(), Value: 'v' }, 'ValidationException', 'Type is required');
    const deep = `/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}`;
    await refused({ Name: deep, Value: 'v', Type: 'String' }, 'HierarchyLevelLimitExceededException', '15');
    await put(`/${Array.from({ length: 15 }, (_, i) => `l${i}`).join('/')}`, 'v');
  });

  it('answers UnknownOperationException for an SSM operation the emulator does not have, naming it', async () => {
    const unknown = await rawJsonRequest(emu, 'AmazonSSM.GetParametersByPath', '{"Path": "/"}');
    expect(unknown.status).toBe(400);
    expect(unknown.body?.__type).toBe('UnknownOperationException');
    expect(unknown.body?.message).toContain('AmazonSSM.GetParametersByPath');
  });

  it('requires SigV4 credentials like every other operation', async () => {
    const response = await fetch(emu.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter' },
      body: JSON.stringify({ Name: '/x' }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toBe(
      'MissingAuthenticationTokenException',
    );
  });
});

describe('call counters, the request log and faults', () => {
  it('counts SSM operations by name and logs them without values', async () => {
    const name = paramName();
    await put(name, 'log-me-not-91d2', { Type: 'SecureString' });
    emu.resetCalls();
    await get(name, true);
    await get(name);
    await failure(get(paramName('missing')));
    expect(emu.calls('GetParameter')).toBe(3);
    expect(emu.calls('PutParameter')).toBe(0);
    expect(emu.requestLog[0]).toMatchObject({
      service: 'ssm',
      operation: 'GetParameter',
      parameterName: name,
      accessKeyId: emu.clientConfig.credentials.accessKeyId,
      principalArn: 'arn:aws:iam::000000000000:user/latchkey-emulator',
      status: 200,
    });
    expect(emu.requestLog[2]).toMatchObject({ status: 400, errorType: 'ParameterNotFound' });
    expect(JSON.stringify(emu.requestLog)).not.toContain('log-me-not-91d2');
  });

  it('a throttling fault injected for GetParameter reaches the SSM client, then calls succeed', async () => {
    const name = paramName();
    await put(name, 'v');
    emu.faults.inject({ kind: 'throttling', operation: 'GetParameter', count: 1 });
    const error = await failure(get(name));
    expect(error.name).toBe('ThrottlingException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect((await get(name)).Value).toBe('v');
  });

  it('internal errors and connection resets can be injected for SSM operations too', async () => {
    const name = paramName();
    await put(name, 'v');
    emu.faults.inject({ kind: 'internal-error', operation: 'GetParameter', count: 1 });
    expect((await failure(get(name))).$metadata?.httpStatusCode).toBe(500);
    emu.faults.inject({ kind: 'connection-reset', operation: 'PutParameter', count: 1 });
    const reset = await failure(put(name, 'w', { Overwrite: true }));
    expect(`${reset.name} ${reset.message} ${(reset as { code?: string }).code}`).toMatch(
      /ECONNRESET|socket hang up/i,
    );
    expect((await get(name)).Value).toBe('v');
  });
});

describe('persistence and seeding', () => {
  it('keeps parameters, versions and labels in the data file across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'latchkey-ssm-'));
    try {
      const dataFile = join(dir, 'state.json');
      const first = await startEmulator({ host: '127.0.0.1', port: 0, dataFile });
      const client = ssmClient(first);
      await client.send(new PutParameterCommand({ Name: '/kept', Value: 'v1', Type: 'String' }));
      await client.send(new PutParameterCommand({ Name: '/kept', Value: 'v2', Overwrite: true }));
      await client.send(
        new LabelParameterVersionCommand({ Name: '/kept', ParameterVersion: 1, Labels: ['old'] }),
      );
      await client.send(new PutParameterCommand({ Name: 'secure', Value: 's3cr3t', Type: 'SecureString' }));
      await client.send(new PutParameterCommand({ Name: '/doomed', Value: 'x', Type: 'String' }));
      await client.send(new DeleteParameterCommand({ Name: '/doomed' }));
      // Each answered change is on disk already.
      const stored = JSON.parse(await readFile(dataFile, 'utf8'));
      expect(stored.parameters.map((p: { name: string }) => p.name)).toEqual(['/kept', 'secure']);
      await first.close();

      const second = await startEmulator({ host: '127.0.0.1', port: 0, dataFile });
      try {
        const again = ssmClient(second);
        const read = (Name: string) =>
          again.send(new GetParameterCommand({ Name, WithDecryption: true })).then((r) => r.Parameter!);
        expect(await read('/kept')).toMatchObject({ Value: 'v2', Version: 2 });
        expect(await read('/kept:old')).toMatchObject({ Value: 'v1', Version: 1 });
        expect(await read('secure')).toMatchObject({ Value: 's3cr3t', Type: 'SecureString' });
        expect((await failure(read('/doomed'))).name).toBe('ParameterNotFound');
        expect(
          (await again.send(new PutParameterCommand({ Name: '/kept', Value: 'v3', Overwrite: true })))
            .Version,
        ).toBe(3);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('loads a data file written before parameters existed, and refuses a malformed parameter', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'latchkey-ssm-'));
    try {
      const dataFile = join(dir, 'state.json');
      const account = { region: 'us-east-1', accountId: '000000000000' };
      await writeFile(
        dataFile,
        JSON.stringify({ format: 'latchkey-emulator', version: 1, account, secrets: [] }),
      );
      const old = await startEmulator({ host: '127.0.0.1', port: 0, dataFile });
      await ssmClient(old).send(new PutParameterCommand({ Name: 'new', Value: 'v', Type: 'String' }));
      await old.close();
      expect(JSON.parse(await readFile(dataFile, 'utf8')).parameters).toHaveLength(1);

      const malformed = {
        format: 'latchkey-emulator',
        version: 1,
        account,
        secrets: [],
        parameters: [{ name: 'x' }],
      };
      await writeFile(dataFile, JSON.stringify(malformed));
      const error = await failure(startEmulator({ host: '127.0.0.1', port: 0, dataFile }));
      expect(error.message).toContain('parameter #1 is malformed');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('seeds parameters through PutParameter, with its validation', async () => {
    const seeded = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      seedParameters: [
        { Name: '/seeded/plain', Value: 'hello' },
        { Name: '/seeded/secure', Value: 'shh', Type: 'SecureString', Description: 'seeded' },
      ],
    });
    try {
      const client = ssmClient(seeded);
      const plain = await client.send(new GetParameterCommand({ Name: '/seeded/plain' }));
      expect(plain.Parameter).toMatchObject({ Type: 'String', Value: 'hello', Version: 1 });
      const secure = await client.send(new GetParameterCommand({ Name: '/seeded/secure' }));
      expect(secure.Parameter?.Type).toBe('SecureString');
      expect(secure.Parameter?.Value).not.toBe('shh');
    } finally {
      await seeded.close();
    }
    await expect(
      startEmulator({ host: '127.0.0.1', port: 0, seedParameters: [{ Name: 'aws-reserved', Value: 'v' }] }),
    ).rejects.toThrow(/"aws" or "ssm"/);
  });
});
