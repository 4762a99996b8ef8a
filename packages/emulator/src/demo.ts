import { randomBytes } from 'node:crypto';
import type { Emulator } from './emulator.js';
import type { SeedSecret } from './seed.js';

/** `--demo`: one RDS-style database secret, and how to read it with the AWS SDK and the AWS CLI. */

export const DEMO_SECRET_NAME = 'latchkey/demo/database';

export function demoSeed(): SeedSecret[] {
  return [
    {
      Name: DEMO_SECRET_NAME,
      Description: 'Latchkey demo: credentials of a PostgreSQL database, in the format of an RDS secret',
      SecretString: JSON.stringify({
        engine: 'postgres',
        host: '127.0.0.1',
        port: 5432,
        username: 'latchkey_demo',
        password: randomBytes(18).toString('base64url'),
        dbname: 'demo',
      }),
      Tags: [{ Key: 'latchkey:demo', Value: 'true' }],
    },
  ];
}

export function demoInstructions(emu: Emulator): string {
  const { accessKeyId, secretAccessKey } = emu.clientConfig.credentials;
  return `
Demo secret: ${DEMO_SECRET_NAME}

Read it with the AWS SDK for JavaScript v3:

  import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
  const client = new SecretsManagerClient({
    endpoint: '${emu.endpoint}',
    region: '${emu.region}',
    credentials: { accessKeyId: '${accessKeyId}', secretAccessKey: '${secretAccessKey}' },
  });
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: '${DEMO_SECRET_NAME}' }));

Or with the AWS CLI:

  AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} \\
    aws --endpoint-url ${emu.endpoint} --region ${emu.region} \\
    secretsmanager get-secret-value --secret-id ${DEMO_SECRET_NAME}

Any application can use it unchanged with AWS_ENDPOINT_URL_SECRETS_MANAGER=${emu.endpoint}.
`;
}
