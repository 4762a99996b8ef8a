import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startEmulator } from '/work/main/packages/emulator/dist/index.js';

const emu = await startEmulator({ host: '127.0.0.1', port: 0 });
const sm = new SecretsManagerClient(emu.clientConfig);
await sm.send(new CreateSecretCommand({ Name: 'bench/hot', SecretString: 'x'.repeat(256) }));
const env = {
  ...process.env,
  AWS_TOKEN: 'bench-token',
  AWS_ACCESS_KEY_ID: emu.clientConfig.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: emu.clientConfig.credentials.secretAccessKey,
};
const start = (port, audit) =>
  spawn(
    process.execPath,
    [
      'packages/sidecar/dist/bundle/latchkey.mjs',
      'serve',
      '--http-port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--endpoint',
      emu.endpoint,
      '--region',
      emu.region,
      '--validate-credentials',
      'false',
      '--audit-log',
      audit,
    ],
    { env, stdio: 'ignore' },
  );
const a = start(27741, '/dev/null');
const b = start(27742, 'off');
const bare = spawn(process.execPath, ['/tmp/bare2.cjs', 'async', '27743'], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 2000));
const path = '/secretsmanager/get?secretId=bench/hot';
for (const port of [27741, 27742])
  await fetch(`http://127.0.0.1:${port}${path}`, {
    headers: { 'X-Aws-Parameters-Secrets-Token': 'bench-token' },
  });
for (let round = 0; round < 2; round++)
  for (const [name, port] of [
    ['audit', 27741],
    ['noaudit', 27742],
    ['bare', 27743],
  ]) {
    const { stdout } = await promisify(execFile)('wrk', [
      '-t2',
      '-c32',
      '-d4s',
      '-H',
      'X-Aws-Parameters-Secrets-Token: bench-token',
      `http://127.0.0.1:${port}${path}`,
    ]);
    console.log(name, stdout.match(/Requests.sec.*/)[0]);
  }
for (const c of [a, b, bare]) c.kill('SIGTERM');
await emu.close();
sm.destroy();
