import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/index.js';
import { failure, rawJsonRequest, smClient, uniqueName } from '../support/emulator.js';

let emu: Emulator;
let sm: SecretsManagerClient;
let name: string;
beforeAll(async () => {
  emu = await startEmulator({ host: '127.0.0.1', port: 0, maxBodyBytes: 256 * 1024 });
  sm = smClient(emu);
  name = uniqueName();
  await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'intact' }));
});
afterAll(() => emu.close());

const raw = (target: string | undefined, body: string, headers: Record<string, string> = {}) =>
  rawJsonRequest(emu, target, body, headers);

async function stillIntact() {
  expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('intact');
}

describe('protocol-level bad input', () => {
  it('malformed JSON is a SerializationException', async () => {
    const { status, body } = await raw('secretsmanager.GetSecretValue', '{"SecretId": ');
    expect(status).toBe(400);
    expect(body?.__type).toBe('SerializationException');
    expect(body?.message).toMatch(/not valid JSON/);
    // The parser's own message would quote the body, secret values included.
    const quoting = await raw('secretsmanager.PutSecretValue', '{"SecretString": "Pw!9xQz#-sent", ');
    expect(quoting.body?.__type).toBe('SerializationException');
    expect(JSON.stringify(quoting.body)).not.toContain('Pw!9xQz#');
    expect((await raw('secretsmanager.GetSecretValue', '[1,2]')).body?.__type).toBe('SerializationException');
  });

  it('an unknown target is an UnknownOperationException naming it', async () => {
    const unknown = await raw('secretsmanager.StealSecret', '{}');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ __type: 'UnknownOperationException' });
    expect(unknown.body?.message).toContain('StealSecret');
    expect((await raw('kms.Decrypt', '{}')).body?.__type).toBe('UnknownOperationException');
    expect((await raw(undefined, '{}')).body?.__type).toBe('UnknownOperationException');
  });

  it('a member of the wrong type is a SerializationException naming the member', async () => {
    const { body } = await raw(
      'secretsmanager.PutSecretValue',
      JSON.stringify({ SecretId: name, SecretString: 42 }),
    );
    expect(body?.__type).toBe('SerializationException');
    expect(body?.message).toContain('SecretString');
    const list = await raw(
      'secretsmanager.PutSecretValue',
      JSON.stringify({ SecretId: name, SecretString: 'x', VersionStages: 'AWSCURRENT' }),
    );
    expect(list.body?.__type).toBe('SerializationException');
    expect(list.body?.message).toContain('VersionStages');
    const bool = await raw(
      'secretsmanager.DeleteSecret',
      JSON.stringify({ SecretId: name, ForceDeleteWithoutRecovery: 'yes' }),
    );
    expect(bool.body?.__type).toBe('SerializationException');
    await stillIntact();
  });

  it('a request without credentials is refused', async () => {
    const { status, body } = await raw('secretsmanager.GetSecretValue', JSON.stringify({ SecretId: name }), {
      authorization: '',
    });
    expect(status).toBe(400);
    expect(body?.__type).toBe('MissingAuthenticationTokenException');
  });

  it('refuses bodies over the limit with 413, and keeps serving', async () => {
    const huge = JSON.stringify({ SecretId: name, SecretString: 'x'.repeat(300 * 1024) });
    const response = await raw('secretsmanager.PutSecretValue', huge);
    expect(response.status).toBe(413);
    expect(response.body?.__type).toBe('RequestEntityTooLargeException');
    await stillIntact();
  });
});

describe('validation through the SDK', () => {
  it('a missing required member is a ValidationException naming it', async () => {
    const error = await failure(sm.send(new GetSecretValueCommand({} as { SecretId: string })));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain("'secretId'");
  });

  it('a SecretString over 65,536 bytes is refused and nothing is stored', async () => {
    // 21,846 three-byte characters: fewer than 65,536 characters but more than 65,536 bytes.
    const big = '€'.repeat(21_846);
    const error = await failure(sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: big })));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain('65536');
    await sm.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'y'.repeat(65_536), VersionStages: ['max'] }),
    );
    await stillIntact();
  });

  it('a malformed ARN is an InvalidParameterException naming it', async () => {
    const bad = 'arn:aws:secretsmanager:us-east-1:not-an-account:secret';
    const error = await failure(sm.send(new GetSecretValueCommand({ SecretId: bad })));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toContain(bad);
  });

  it('an invalid secret name, version stage or token is a ValidationException', async () => {
    const badName = await failure(sm.send(new CreateSecretCommand({ Name: 'has space', SecretString: 'x' })));
    expect(badName.name).toBe('ValidationException');
    expect(badName.message).toContain('Invalid name');
    const longStage = await failure(
      sm.send(
        new PutSecretValueCommand({ SecretId: name, SecretString: 'x', VersionStages: ['s'.repeat(257)] }),
      ),
    );
    expect(longStage.name).toBe('ValidationException');
    expect(longStage.message).toContain('versionStages');
    const emptyStage = await failure(
      sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: '',
          RemoveFromVersionId: 'x'.repeat(32),
        }),
      ),
    );
    expect(emptyStage.name).toBe('ValidationException');
    const shortToken = await failure(
      sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'x', ClientRequestToken: 'short' })),
    );
    expect(shortToken.name).toBe('ValidationException');
    expect(shortToken.message).toContain('clientRequestToken');
    await stillIntact();
  });

  it('both SecretString and SecretBinary, or neither, is refused', async () => {
    const both = await failure(
      sm.send(
        new PutSecretValueCommand({ SecretId: name, SecretString: 'x', SecretBinary: new Uint8Array([1]) }),
      ),
    );
    expect(both.name).toBe('InvalidParameterException');
    const neither = await failure(sm.send(new PutSecretValueCommand({ SecretId: name })));
    expect(neither.name).toBe('InvalidRequestException');
    await stillIntact();
  });

  it('error messages never contain the secret value', async () => {
    const value = 'hunter2-super-secret';
    const created = uniqueName();
    await sm.send(
      new CreateSecretCommand({ Name: created, SecretString: value, ClientRequestToken: 'c'.repeat(32) }),
    );
    const errors = await Promise.all([
      failure(
        sm.send(
          new PutSecretValueCommand({
            SecretId: created,
            SecretString: `${value}!`,
            ClientRequestToken: 'c'.repeat(32),
          }),
        ),
      ),
      failure(sm.send(new CreateSecretCommand({ Name: created, SecretString: value }))),
      failure(
        sm.send(new PutSecretValueCommand({ SecretId: created, SecretString: value, VersionStages: [''] })),
      ),
    ]);
    for (const error of errors) expect(error.message).not.toContain(value);
  });
});
