import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type Emulator, startEmulator } from '@latchkey/emulator';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mariadbAvailable, SHARED_MARIADB } from '../../../../test/support/services.js';
import { buildLambda } from '../../scripts/build-lambda.js';
import { type MariadbFixture, mariadbFixture } from '../support/mariadb.js';

const available = await mariadbAvailable();

describe.skipIf(!available)(
  'the bundled Lambda (dist-lambda/mysql.zip) rotating through the emulator',
  () => {
    let dir: string;
    let emu: Emulator;
    let db: MariadbFixture;
    const saved = { ...process.env };
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'latchkey-lambda-'));
      emu = await startEmulator({ host: '127.0.0.1', port: 0 });
      db = await mariadbFixture();
    });
    afterAll(async () => {
      process.env = saved;
      await emu?.close();
      await db?.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    it('the zip holds index.js whose handler rotates a secret, with SECRETS_MANAGER_ENDPOINT as AWS sets it', async () => {
      const built = await buildLambda('mysql', dir);
      const files = unzipSync(await readFile(built.zipPath));
      expect(Object.keys(files)).toEqual(['index.js']);
      const entry = join(dir, 'index.js');
      await (await import('node:fs/promises')).writeFile(entry, files['index.js']!);

      process.env.SECRETS_MANAGER_ENDPOINT = emu.endpoint;
      process.env.AWS_ACCESS_KEY_ID = emu.clientConfig.credentials.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = emu.clientConfig.credentials.secretAccessKey;
      process.env.AWS_REGION = emu.region;
      process.env.LOG_LEVEL = 'silent';
      const { handler } = createRequire(import.meta.url)(entry) as {
        handler: (event: unknown) => Promise<void>;
      };
      await expect(handler({ Step: 'createSecret' })).rejects.toMatchObject({ name: 'InvalidEventError' });

      const username = db.name('lk_zip_');
      await db.createUser(username, '%', 'zip-initial');
      const client = new SecretsManagerClient(emu.clientConfig);
      const { ARN } = await client.send(
        new CreateSecretCommand({
          Name: db.name('zip-'),
          SecretString: JSON.stringify({
            engine: 'mysql',
            host: SHARED_MARIADB.host,
            username,
            password: 'zip-initial',
          }),
        }),
      );
      const lambdaArn = `arn:aws:lambda:${emu.region}:${emu.accountId}:function:zip`;
      emu.rotation.register(lambdaArn, (event) => handler(event));
      const { RotateSecretCommand } = await import('@aws-sdk/client-secrets-manager');
      await client.send(new RotateSecretCommand({ SecretId: ARN, RotationLambdaARN: lambdaArn }));
      expect(await emu.rotation.whenIdle(ARN!)).toMatchObject({ status: 'succeeded' });
      const value = JSON.parse(
        (await client.send(new GetSecretValueCommand({ SecretId: ARN }))).SecretString!,
      ) as {
        password: string;
      };
      expect(await db.canLogin(username, value.password)).toBe(true);
      client.destroy();
    });
  },
);
