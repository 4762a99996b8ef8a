/**
 * `latchkey dev`: a local Secrets Manager and Parameter Store (the emulator, loaded only for this command) seeded
 * with demo secrets and a parameter, and the sidecar on it, with a fresh token. Prints the token and curl lines to try.
 */
import { randomBytes } from 'node:crypto';
import { startSidecarOnEmulator } from '../on-emulator.js';
import { waitForSignals } from '../signals.js';
import { type CommandIO, parse, printedHelp, stringValue } from './usage.js';

export const DEV_HELP = `Usage: latchkey dev [--port <port>] [--emulator-port <port>] [--token <token>]

Start a local Secrets Manager and Parameter Store emulator with demo secrets and a demo
parameter, and the sidecar in front of it.

      --port <port>           sidecar port (default 2773)
      --emulator-port <port>  emulator port (default 4566; 0 = any free port)
      --token <token>         the sidecar token (default: a random one)
  -h, --help                  this help`;

export const DEMO_SECRETS = [
  {
    Name: 'demo/db',
    SecretString: JSON.stringify({
      engine: 'postgres',
      host: '127.0.0.1',
      port: 5432,
      username: 'app',
      password: 'demo-password',
    }),
  },
  { Name: 'demo/api-key', SecretString: 'demo-api-key-123' },
  { Name: 'demo/certificate', SecretBinary: Buffer.from('demo binary secret').toString('base64') },
];

export const DEMO_PARAMETERS = [
  { Name: '/demo/greeting', Type: 'String' as const, Value: 'hello from the Latchkey sidecar' },
];

export async function runDev(argv: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parse(
    'dev',
    argv,
    {
      port: { type: 'string' },
      'emulator-port': { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (printedHelp(parsed, DEV_HELP, io)) return 0;
  const token = stringValue(parsed, 'token') ?? randomBytes(16).toString('hex');
  const { startEmulator } = await import('@latchkey/emulator');
  const emulator = await startEmulator({
    host: '127.0.0.1',
    port: Number(stringValue(parsed, 'emulator-port') ?? 4566),
    seed: DEMO_SECRETS,
    seedParameters: DEMO_PARAMETERS,
  });
  try {
    const sidecar = await startSidecarOnEmulator({
      emulator,
      env: { ...io.env, AWS_TOKEN: token },
      overrides: [
        { key: 'http_port', value: stringValue(parsed, 'port') ?? '2773' },
        { key: 'prefetch', value: 'demo/db,demo/api-key' },
      ],
    });
    io.stdout.write(
      [
        `Latchkey dev: emulator at ${emulator.endpoint}, sidecar at ${sidecar.url}`,
        `Token: ${token}`,
        `Demo secrets: ${DEMO_SECRETS.map((secret) => secret.Name).join(', ')}`,
        `Demo parameter: ${DEMO_PARAMETERS.map((parameter) => parameter.Name).join(', ')}`,
        'Try:',
        `  curl -H "X-Aws-Parameters-Secrets-Token: ${token}" ${sidecar.url}/v1/demo/db`,
        `  curl -H "X-Aws-Parameters-Secrets-Token: ${token}" "${sidecar.url}/secretsmanager/get?secretId=demo/api-key"`,
        `  curl -H "X-Aws-Parameters-Secrets-Token: ${token}" "${sidecar.url}/systemsmanager/parameters/get?name=%2Fdemo%2Fgreeting"`,
        `  curl ${sidecar.url}/metrics`,
        'Ctrl-C stops both.',
        '',
      ].join('\n'),
    );
    return await waitForSignals(sidecar);
  } finally {
    await emulator.close();
  }
}
