/**
 * The latchkey CLI as users run it: the compiled bin and the single-file esbuild bundle (plain `node`, no
 * node_modules needed), against the emulator.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { type Emulator, startEmulator } from '@latchkey/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_SUPPORT_LINE } from '../../src/node-support.js';
import { rawRequest } from '../support/http.js';
import { BUNDLE, BUNDLE_SCRIPT, DIST_BIN, runCli, startCli } from '../support/process.js';

let emulator: Emulator;
let sm: SecretsManagerClient;
let awsEnv: NodeJS.ProcessEnv;
const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-'));

beforeAll(async () => {
  execFileSync(process.execPath, [BUNDLE_SCRIPT]);
  emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
  sm = new SecretsManagerClient(emulator.clientConfig);
  await sm.send(
    new CreateSecretCommand({
      Name: 'cli/db',
      SecretString: JSON.stringify({ username: 'app', password: 'pw-1', port: 5432 }),
    }),
  );
  await sm.send(new CreateSecretCommand({ Name: 'cli/plain', SecretString: 'plain-value' }));
  const ssm = new SSMClient(emulator.clientConfig);
  await ssm.send(new PutParameterCommand({ Name: '/cli/flag', Value: 'flag-value', Type: 'String' }));
  ssm.destroy();
  awsEnv = {
    AWS_ACCESS_KEY_ID: emulator.clientConfig.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emulator.clientConfig.credentials.secretAccessKey,
    AWS_REGION: emulator.region,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: emulator.endpoint,
    AWS_ENDPOINT_URL_STS: emulator.endpoint,
    AWS_ENDPOINT_URL_SSM: emulator.endpoint,
  };
});
afterAll(async () => {
  sm?.destroy();
  await emulator?.close();
});

describe.each([
  ['compiled bin', DIST_BIN],
  ['bundle', BUNDLE],
])('%s', (_name, entry) => {
  it('has --help on every command', async () => {
    for (const args of [
      ['--help'],
      ['serve', '--help'],
      ['get', '--help'],
      ['run', '--help'],
      ['render', '--help'],
      ['dev', '--help'],
    ]) {
      const result = await runCli(entry, args);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toContain('Usage: latchkey');
    }
  });

  it('names the bad flag, and the file, key and reason of a bad configuration', async () => {
    const flag = await runCli(entry, ['serve', '--bogus']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--bogus'");
    const file = join(dir, `bad-${Math.random()}.toml`);
    writeFileSync(file, 'ttl_seconds = 9000\n');
    const config = await runCli(entry, ['serve', '--config', file], { AWS_TOKEN: 't' });
    expect(config.code).toBe(1);
    expect(config.stderr).toContain(`${file}: ttl_seconds: The TTL in seconds`);
    const badFlagValue = await runCli(entry, ['serve', '--max-conn', 'lots'], { AWS_TOKEN: 't' });
    expect(badFlagValue.stderr).toContain('command line: --max-conn: must be an integer');
  });

  it('exits 1 naming the token variables when there is no token', async () => {
    const result = await runCli(entry, ['serve', '--validate-credentials', 'false'], {
      AWS_TOKEN: '',
      AWS_SESSION_TOKEN: '',
      AWS_CONTAINER_AUTHORIZATION_TOKEN: '',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'Could not read SSRF token variable(s) [AWS_TOKEN, AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN]',
    );
  });

  it('exits 1 naming the credential chain and validate_credentials when credentials are missing or rejected', async () => {
    const nowhere = join(dir, 'no-such-file');
    const noCredentials = {
      ...awsEnv,
      AWS_TOKEN: 'serve-token',
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_PROFILE: '',
      AWS_SHARED_CREDENTIALS_FILE: nowhere,
      AWS_CONFIG_FILE: nowhere,
      AWS_WEB_IDENTITY_TOKEN_FILE: '',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const missing = await runCli(entry, ['serve', '--http-port', '0', '--bind', '127.0.0.1'], noCredentials);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^latchkey serve: No AWS credentials found in the AWS SDK's default credential chain/,
    );
    expect(missing.stderr).toContain('validate_credentials');
    // A session whose token is wrong: the emulator, like STS, rejects it.
    const sts = new STSClient(emulator.clientConfig);
    const session = await sts.send(
      new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/cli', RoleSessionName: 'cli' }),
    );
    sts.destroy();
    const rejected = await runCli(entry, ['serve', '--http-port', '0', '--bind', '127.0.0.1'], {
      ...noCredentials,
      AWS_ACCESS_KEY_ID: session.Credentials?.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: session.Credentials?.SecretAccessKey,
      AWS_SESSION_TOKEN: 'not-the-session-token',
    });
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(
      /^latchkey serve: The AWS credentials found in the AWS SDK's default credential chain .* were rejected: .*InvalidClientTokenId/,
    );
    expect(rejected.stderr).toContain('validate_credentials');
  });

  it('serves, reloads on SIGHUP, and stops gracefully with exit 0 on SIGTERM', async () => {
    const config = join(dir, `serve-${Math.random()}.toml`);
    writeFileSync(config, 'http_port = 0\n[latchkey]\nbind = ["127.0.0.1"]\n');
    const serve = startCli(entry, ['serve', '--config', config], { ...awsEnv, AWS_TOKEN: 'serve-token' });
    try {
      const [, url] = await serve.waitFor(/listening on (http:\/\/\S+)/);
      expect((await rawRequest(url as string, '/ping')).body).toBe('healthy');
      const secret = await rawRequest(url as string, '/v1/cli/plain', {
        headers: { 'X-Aws-Parameters-Secrets-Token': 'serve-token' },
      });
      expect(JSON.parse(secret.body).SecretString).toBe('plain-value');
      // The SSM client, loaded on this first parameter read (in the bundle too), at AWS_ENDPOINT_URL_SSM.
      const parameter = await rawRequest(url as string, '/systemsmanager/parameters/get?name=%2Fcli%2Fflag', {
        headers: { 'X-Aws-Parameters-Secrets-Token': 'serve-token' },
      });
      expect(JSON.parse(parameter.body).Parameter.Value).toBe('flag-value');
      writeFileSync(
        config,
        `http_port = 0\n[latchkey]\nbind = ["127.0.0.1"]\n[[latchkey.clients]]\nname = "late"\ntoken = "late-token"\npolicy = '{"Statement":{"Effect":"Allow","Action":"*","Resource":"cli/*"}}'\n`,
      );
      serve.child.kill('SIGHUP');
      await expect
        .poll(
          async () =>
            (await rawRequest(url as string, '/v1/cli/plain', { headers: { 'X-Vault-Token': 'late-token' } }))
              .status,
          { timeout: 10_000 },
        )
        .toBe(200);
    } finally {
      serve.child.kill('SIGTERM');
    }
    expect(await serve.exited).toBe(0);
    expect(serve.stdout).not.toContain('plain-value');
  });

  it('get prints a secret, or one JSON key of it', async () => {
    // With the AWS SDK's warning on, as users have it (the test configuration turns it off): its eight lines on
    // Node.js 20 come out as one line of ours, and there is nothing on Node.js 22 and later.
    const whole = await runCli(entry, ['get', 'cli/plain'], {
      ...awsEnv,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '',
    });
    expect([whole.code, whole.stdout]).toEqual([0, 'plain-value']);
    expect(whole.stderr).toBe(Number(process.versions.node.split('.')[0]) < 22 ? NODE_SUPPORT_LINE : '');
    const key = await runCli(entry, ['get', 'cli/db#password'], awsEnv);
    expect(key.stdout).toBe('pw-1');
    const flag = await runCli(entry, ['get', 'cli/db', '--json-key', 'port'], awsEnv);
    expect(flag.stdout).toBe('5432');
    const missing = await runCli(entry, ['get', 'cli/absent'], awsEnv);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cli/absent');
  });

  it('run puts secrets in the environment and exits with the command code', async () => {
    const result = await runCli(
      entry,
      [
        'run',
        '--env',
        'DB_PASSWORD=cli/db#password',
        '--env',
        'PLAIN=cli/plain',
        '--',
        process.execPath,
        '-e',
        "process.stdout.write(process.env.DB_PASSWORD + ':' + process.env.PLAIN); process.exit(7)",
      ],
      awsEnv,
    );
    expect([result.code, result.stdout]).toEqual([7, 'pw-1:plain-value']);
  });

  it('render writes files atomically with the mode asked', async () => {
    const out = join(dir, `db-${Math.random()}.env`);
    const result = await runCli(
      entry,
      ['render', '--secret', 'cli/db', '--out', out, '--format', 'dotenv', '--mode', '0600'],
      awsEnv,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe("username='app'\npassword='pw-1'\nport='5432'\n");
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const key = join(dir, `password-${Math.random()}`);
    await runCli(entry, ['render', '--secret', 'cli/db#password', '--out', key], awsEnv);
    expect(readFileSync(key, 'utf8')).toBe('pw-1');
    expect(statSync(key).mode & 0o777).toBe(0o400);
  });
});

describe('dev and serve templates', () => {
  it('dev starts the emulator with demo secrets and the sidecar, and prints a working curl line', async () => {
    const dev = startCli(BUNDLE, ['dev', '--port', '0', '--emulator-port', '0'], { AWS_TOKEN: '' });
    try {
      const [, token] = await dev.waitFor(/Token: (\S+)/);
      const [, command] = await dev.waitFor(/\n {2}(curl -H .*\/v1\/demo\/db)\n/);
      const [, url] = /(http:\/\/\S+)\/v1\/demo\/db/.exec(command as string) ?? [];
      const response = await rawRequest(url as string, '/v1/demo/db', {
        headers: { 'X-Aws-Parameters-Secrets-Token': token as string },
      });
      expect(JSON.parse(JSON.parse(response.body).SecretString)).toMatchObject({ username: 'app' });
      const [, parameterCommand] = await dev.waitFor(/\n {2}(curl -H .*parameters\/get\?name=\S+)"\n/);
      const [, parameterPath] = /http:\/\/[^/]+(\/\S+)/.exec(parameterCommand as string) ?? [];
      const parameter = await rawRequest(url as string, parameterPath as string, {
        headers: { 'X-Aws-Parameters-Secrets-Token': token as string },
      });
      expect(JSON.parse(parameter.body).Parameter).toMatchObject({ Name: '/demo/greeting', Type: 'String' });
      await expect
        .poll(async () => (await rawRequest(url as string, '/ready')).status, { timeout: 10_000 })
        .toBe(200);
    } finally {
      dev.child.kill('SIGINT');
    }
    expect(await dev.exited).toBe(0);
  });

  it('serve keeps [[latchkey.render]] files up to date through its own cache', async () => {
    const out = join(dir, `served-${Math.random()}.json`);
    const config = join(dir, `serve-render-${Math.random()}.toml`);
    writeFileSync(
      config,
      `http_port = 0\n[latchkey]\nbind = ["127.0.0.1"]\n[[latchkey.render]]\npath = "${out}"\nsecret = "cli/db"\nformat = "json"\nmode = "0400"\n`,
    );
    const serve = startCli(DIST_BIN, ['serve', '--config', config], { ...awsEnv, AWS_TOKEN: 'render-token' });
    try {
      await serve.waitFor(/listening on/);
      await expect
        .poll(() => readFileSafe(out), { timeout: 10_000 })
        .toBe(`${JSON.stringify({ username: 'app', password: 'pw-1', port: 5432 }, null, 2)}\n`);
      expect(statSync(out).mode & 0o777).toBe(0o400);
    } finally {
      serve.child.kill('SIGTERM');
    }
    expect(await serve.exited).toBe(0);
  });
});

describe('watching', () => {
  it('render --watch re-renders on change and runs the command after each change', async () => {
    const name = `cli/watched-${Math.random().toString(36).slice(2)}`;
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'first' }));
    const out = join(dir, `watched-${Math.random()}`);
    const marker = join(dir, `marker-${Math.random()}`);
    const config = join(dir, `render-${Math.random()}.toml`);
    writeFileSync(
      config,
      `ttl_seconds = 1\n[[latchkey.render]]\npath = "${out}"\nsecret = "${name}"\nmode = "0600"\ncommand = "echo changed >> ${marker}"\n`,
    );
    const render = startCli(DIST_BIN, ['render', '--config', config, '--watch'], awsEnv);
    try {
      await expect.poll(() => readFileSafe(out), { timeout: 10_000 }).toBe('first');
      await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'second' }));
      await expect.poll(() => readFileSafe(out), { timeout: 15_000 }).toBe('second');
      await expect.poll(() => readFileSafe(marker), { timeout: 5_000 }).toBe('changed\nchanged\n');
    } finally {
      render.child.kill('SIGTERM');
    }
    expect(await render.exited).toBe(0);
  });
});

describe('run --watch', () => {
  it('restarts the command with the new value when a secret changes, and forwards SIGTERM', async () => {
    const name = `cli/run-watched-${Math.random().toString(36).slice(2)}`;
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'one' }));
    const log = join(dir, `run-log-${Math.random()}`);
    const config = join(dir, `run-${Math.random()}.toml`);
    writeFileSync(config, 'ttl_seconds = 1\n');
    const script = `require('node:fs').appendFileSync(${JSON.stringify(log)}, process.env.VALUE + '\\n'); setInterval(() => {}, 1000);`;
    const run = startCli(
      DIST_BIN,
      ['run', '--config', config, '--watch', '--env', `VALUE=${name}`, '--', process.execPath, '-e', script],
      awsEnv,
    );
    try {
      await expect.poll(() => readFileSafe(log), { timeout: 10_000 }).toBe('one\n');
      await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'two' }));
      await expect.poll(() => readFileSafe(log), { timeout: 15_000 }).toBe('one\ntwo\n');
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(143);
  });
});

function readFileSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
