import { randomBytes } from 'node:crypto';
import type { Emulator } from './emulator.js';
import type { SeedParameter, SeedSecret } from './seed.js';

/**
 * `--demo`: one RDS-style database secret and one Parameter Store parameter, and how to read them with the AWS SDK
 * and the AWS CLI.
 */

export const DEMO_SECRET_NAME = 'latchkey/demo/database';
export const DEMO_PARAMETER_NAME = '/latchkey/demo/greeting';

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

export function demoParameterSeed(): SeedParameter[] {
  return [
    {
      Name: DEMO_PARAMETER_NAME,
      Type: 'String',
      Value: 'Hello from the Latchkey emulator',
      Description: 'Latchkey demo: a plain String parameter',
    },
  ];
}

/** An AWS CLI command line against the emulator, with its credentials. */
function awsCli(emu: Emulator, command: string): string {
  const { accessKeyId, secretAccessKey } = emu.clientConfig.credentials;
  return `  AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} \\
    aws --endpoint-url ${emu.endpoint} --region ${emu.region} \\
    ${command}`;
}

export function demoInstructions(emu: Emulator): string {
  const { accessKeyId, secretAccessKey } = emu.clientConfig.credentials;
  return `
Demo secret: ${DEMO_SECRET_NAME}
Demo parameter: ${DEMO_PARAMETER_NAME}

Read the secret with the AWS SDK for JavaScript v3:

  import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
  const client = new SecretsManagerClient({
    endpoint: '${emu.endpoint}',
    region: '${emu.region}',
    credentials: { accessKeyId: '${accessKeyId}', secretAccessKey: '${secretAccessKey}' },
  });
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: '${DEMO_SECRET_NAME}' }));

Or with the AWS CLI:

${awsCli(emu, `secretsmanager get-secret-value --secret-id ${DEMO_SECRET_NAME}`)}

The parameter, and the secret through Parameter Store's Secrets Manager reference:

${awsCli(emu, `ssm get-parameter --name ${DEMO_PARAMETER_NAME}`)}
${awsCli(emu, `ssm get-parameter --with-decryption --name /aws/reference/secretsmanager/${DEMO_SECRET_NAME}`)}

Any application can use them unchanged with AWS_ENDPOINT_URL_SECRETS_MANAGER=${emu.endpoint}
(and AWS_ENDPOINT_URL_SSM=${emu.endpoint} for Parameter Store).
`;
}
