/** Configuration mistakes that used to be accepted silently are errors naming the key; risky settings are logged;
 * /ready tells an unauthenticated caller how many secrets failed to prefetch, not which. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../src/cli/serve.js';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { FakeReader, secretValue } from '../support/fake-reader.js';
import { rawRequest } from '../support/http.js';
import { type FakeSidecar, startFakeSidecar } from '../support/start.js';
import { configDir, tomlFile } from '../support/toml-file.js';

async function failure(run: () => unknown): Promise<ConfigError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const running: FakeSidecar[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map(({ sidecar }) => sidecar.close()));
});
async function start(options: Parameters<typeof startFakeSidecar>[0]): Promise<FakeSidecar> {
  const sidecar = await startFakeSidecar(options);
  running.push(sidecar);
  return sidecar;
}

const client = (name: string, token: string, action = 'secretsmanager:GetSecretValue') =>
  `[[latchkey.clients]]\nname = "${name}"\n${token}\npolicy = { Statement = [{ Effect = "Allow", Action = "${action}", Resource = "*" }] }\n`;

describe('configuration mistakes', () => {
  it('refuses two clients with the same token, wherever the tokens come from, without showing the token', async () => {
    const tokenFile = join(configDir, 'shared-token');
    writeFileSync(tokenFile, 'shared-token-9f\n');
    const file = tomlFile(
      client('a', 'token = "shared-token-9f"') + client('b', `token_file = "${tokenFile}"`),
    );
    const error = await failure(() => start({ file, env: {} }));
    expect(error).toMatchObject({ file, key: 'latchkey.clients[1].token' });
    expect(error.reason).toContain('"a"');
    expect(error.message).not.toContain('shared-token-9f');

    // The agent's SSRF token is the `default` client.
    const withSsrf = tomlFile(client('a', 'token_env = "APP_TOKEN"'));
    const ssrf = await failure(() =>
      start({ file: withSsrf, env: { AWS_TOKEN: 'same-9f', APP_TOKEN: 'same-9f' } }),
    );
    expect(ssrf).toMatchObject({ key: 'latchkey.clients[0].token' });
    expect(ssrf.reason).toContain('AWS_TOKEN');
  });

  it.each(['secretsmanager:GetSecretVaule', 'secretsmanager:Describe*', 'ssm:GetParameters', 'kms:Decrypt'])(
    'refuses the policy action %s, which names no action the sidecar checks',
    async (action) => {
      const file = tomlFile(client('a', 'token = "t"', action));
      const error = await failure(() => loadConfig({ file, env: {} }));
      expect(error.key).toBe('latchkey.clients[0].policy.Statement[0].Action');
      expect(error.reason).toContain(action);
    },
  );

  it.each([
    'secretsmanager:GetSecretValue',
    'SecretsManager:get*',
    'secretsmanager:*',
    'ssm:GetParameter',
    '*',
  ])('accepts the policy action %s', (action) => {
    expect(() => loadConfig({ file: tomlFile(client('a', 'token = "t"', action)), env: {} })).not.toThrow();
  });

  it('refuses an ssrf_headers entry that is not a header name', async () => {
    const error = await failure(() =>
      loadConfig({ file: tomlFile('ssrf_headers = ["X-Token", "X Token"]'), env: {} }),
    );
    expect(error).toMatchObject({ key: 'ssrf_headers' });
    expect(error.reason).toContain('"X Token" is not a valid header name');
    const flag = await failure(() =>
      loadConfig({ env: {}, overrides: parseServeArgs(['--ssrf-headers', 'X-Token:1']).overrides }),
    );
    expect(flag).toMatchObject({ file: 'command line', key: '--ssrf-headers' });
  });

  it.each(['0666', '0777', '0662'])('refuses the world-writable unix_socket_mode %s', async (mode) => {
    const error = await failure(() =>
      loadConfig({ file: tomlFile(`[latchkey]\nunix_socket_mode = "${mode}"`), env: {} }),
    );
    expect(error.key).toBe('latchkey.unix_socket_mode');
    expect(error.reason).toContain('writable by every local user');
  });

  it('accepts the socket modes that keep other users out', () => {
    for (const mode of ['0660', '0600', '0640', '0664'])
      expect(
        loadConfig({ file: tomlFile(`[latchkey]\nunix_socket_mode = "${mode}"`), env: {} }).latchkey
          .unixSocketMode,
      ).toBe(Number.parseInt(mode, 8));
  });
});

describe('at start-up', () => {
  it('warns when allow_non_loopback is set', async () => {
    const quiet = await start({});
    expect(quiet.logs.text).not.toContain('allow_non_loopback');
    const { logs } = await start({ overrides: [{ key: 'allow_non_loopback', value: true }] });
    const warning = logs.records.find(
      (record) => record.level === 40 && String(record.msg).includes('allow_non_loopback'),
    );
    expect(warning).toBeDefined();
  });
});

describe('/ready without a token', () => {
  it('counts the secrets that failed to prefetch, without naming them', async () => {
    const { url, sidecar } = await start({
      overrides: [{ key: 'prefetch', value: 'billing/missing-7c,MyTest' }],
      reader: new FakeReader().put(secretValue('MyTest', 'value')),
    });
    await sidecar.prefetched;
    const response = await rawRequest(url, '/ready');
    expect(response.body).not.toContain('billing/missing-7c');
    expect(JSON.parse(response.body).prefetch).toEqual({ done: true, loaded: 1, pending: 0, failed: 1 });
  });
});
