import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type Emulator, startEmulator } from '@latchkey/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mariadbAvailable, SHARED_MARIADB } from '../../../../test/support/services.js';
import { type MariadbFixture, mariadbFixture } from '../support/mariadb.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../dist/bin/latchkey-rotate.js', import.meta.url));
const available = await mariadbAvailable();

/** Runs the built CLI (`npx tsc -b` first); resolves with the exit code and both streams. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('latchkey-rotate usage', () => {
  it('prints help', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: latchkey-rotate <secretId>');
    expect(result.stdout).toContain('--step');
  });

  it('names a bad flag or value and exits 2', async () => {
    const unknown = await cli(['s', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--bogus');
    const step = await cli(['s', '--step', 'create_secret']);
    expect(step.code).toBe(2);
    expect(step.stderr).toContain(
      "--step must be one of createSecret, setSecret, testSecret, finishSecret; got 'create_secret'",
    );
    expect((await cli([])).stderr).toContain('expected exactly one <secretId>');
  });
});

describe.skipIf(!available)('latchkey-rotate against the emulator and MariaDB', () => {
  let emu: Emulator;
  let client: SecretsManagerClient;
  let db: MariadbFixture;
  beforeAll(async () => {
    emu = await startEmulator({ host: '127.0.0.1', port: 0 });
    client = new SecretsManagerClient(emu.clientConfig);
    db = await mariadbFixture();
  });
  afterAll(async () => {
    client?.destroy();
    await emu?.close();
    await db?.cleanup();
  });

  it('rotates a secret step by step (--step) and then in one go, with the endpoint from the environment', async () => {
    const username = db.name('lk_cli_');
    await db.createUser(username, '%', 'cli-initial');
    const { ARN } = await client.send(
      new CreateSecretCommand({
        Name: db.name('cli-'),
        SecretString: JSON.stringify({
          engine: 'mariadb',
          host: SHARED_MARIADB.host,
          username,
          password: 'cli-initial',
        }),
      }),
    );
    const env = {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: emu.endpoint,
      AWS_ACCESS_KEY_ID: emu.clientConfig.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: emu.clientConfig.credentials.secretAccessKey,
      AWS_REGION: emu.region,
    };
    const created = await cli([ARN!, '--step', 'createSecret'], env);
    expect(created.code).toBe(0);
    const { versionId } = JSON.parse(created.stdout) as { versionId: string };
    const stages = (await client.send(new DescribeSecretCommand({ SecretId: ARN }))).VersionIdsToStages!;
    expect(stages[versionId]).toEqual(['AWSPENDING']);
    for (const step of ['setSecret', 'testSecret', 'finishSecret']) {
      const result = await cli([ARN!, '--step', step], env);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ versionId, steps: [step], resumed: true });
    }
    const first = await client.send(new GetSecretValueCommand({ SecretId: ARN }));
    expect(first.VersionId).toBe(versionId);
    const firstPassword = (JSON.parse(first.SecretString!) as { password: string }).password;
    expect(await db.canLogin(username, firstPassword)).toBe(true);
    expect(await db.canLogin(username, 'cli-initial')).toBe(false);

    const all = await cli([ARN!, '--endpoint', emu.endpoint], {
      ...env,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: '',
    });
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout)).toMatchObject({
      resumed: false,
      steps: ['createSecret', 'setSecret', 'testSecret', 'finishSecret'],
    });
    const second = JSON.parse(
      (await client.send(new GetSecretValueCommand({ SecretId: ARN }))).SecretString!,
    ) as {
      password: string;
    };
    expect(await db.canLogin(username, second.password)).toBe(true);
    expect(all.stderr + created.stderr).not.toContain(second.password);
    expect(all.stderr + created.stderr).not.toContain(firstPassword);
  });

  it('--step finishSecret refuses a pending version that does not parse or log in; AWSCURRENT stays and exit is 1', async () => {
    const username = db.name('lk_fin_');
    await db.createUser(username, '%', 'fin-initial');
    const current = { engine: 'mariadb', host: SHARED_MARIADB.host, username, password: 'fin-initial' };
    const { ARN } = await client.send(
      new CreateSecretCommand({ Name: db.name('cli-fin-'), SecretString: JSON.stringify(current) }),
    );
    const currentVersion = (await client.send(new GetSecretValueCommand({ SecretId: ARN }))).VersionId;
    const env = {
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'y',
      AWS_REGION: emu.region,
    };
    for (const pending of ['Pw!9xQz#', JSON.stringify({ ...current, password: 'Pw!9xQz#-refused' })]) {
      const { VersionId } = await client.send(
        new PutSecretValueCommand({ SecretId: ARN, SecretString: pending, VersionStages: ['AWSPENDING'] }),
      );
      const result = await cli([ARN!, '--step', 'finishSecret', '--endpoint', emu.endpoint], env);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(
        `finishSecret did not move AWSCURRENT, because version ${VersionId} fails testSecret`,
      );
      expect(result.stderr).not.toContain('Pw!9xQz#');
      const after = await client.send(new GetSecretValueCommand({ SecretId: ARN }));
      expect(after.VersionId).toBe(currentVersion);
    }
    expect(await db.canLogin(username, 'fin-initial')).toBe(true);
  });

  it('fails with the error named, without a password, when the secret is malformed', async () => {
    const { ARN } = await client.send(
      new CreateSecretCommand({
        Name: db.name('cli-bad-'),
        SecretString: JSON.stringify({ engine: 'mariadb', username: 'u', password: 'p-secret-value' }),
      }),
    );
    const result = await cli([ARN!, '--endpoint', emu.endpoint], {
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'y',
      AWS_REGION: emu.region,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SecretFormatError');
    expect(result.stderr).toContain("missing key 'host'");
    expect(result.stderr).not.toContain('p-secret-value');
  });
});
