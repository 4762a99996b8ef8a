import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { configDir, tomlFile } from '../support/toml-file.js';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has the agent defaults', () => {
    const config = loadConfig({ env: {} });
    expect(config).toMatchObject({
      httpPort: 2773,
      ttlSeconds: 300,
      cacheSize: 1000,
      maxConn: 800,
      logLevel: 'info',
      pathPrefix: '/v1/',
      ssrfHeaders: ['X-Aws-Parameters-Secrets-Token', 'X-Vault-Token'],
      ssrfEnvVariables: ['AWS_TOKEN', 'AWS_SESSION_TOKEN', 'AWS_CONTAINER_AUTHORIZATION_TOKEN'],
      ignoreTransientErrors: true,
      validateCredentials: true,
    });
    expect(config.latchkey.bind).toEqual(['127.0.0.1', '::1']);
  });

  it('reads the agent keys, numbers as integers or strings, log level in any case', () => {
    const file = tomlFile(
      `http_port = "8080"\nttl_seconds = 0\ncache_size = 5\nmax_conn = "10"\nlog_level = "DEBUG"\npath_prefix = "/s/"\nregion = "eu-west-1"\nssrf_headers = ["X-Token"]\nssrf_env_variables = ["MY_TOKEN"]\nignore_transient_errors = false\nvalidate_credentials = false\nlog_to_file = false\n`,
    );
    const config = loadConfig({ file, env: {} });
    expect(config).toMatchObject({
      httpPort: 8080,
      ttlSeconds: 0,
      cacheSize: 5,
      maxConn: 10,
      logLevel: 'debug',
      pathPrefix: '/s/',
      region: 'eu-west-1',
      ssrfHeaders: ['X-Token'],
      ssrfEnvVariables: ['MY_TOKEN'],
      ignoreTransientErrors: false,
      validateCredentials: false,
    });
  });

  it.each([
    ['http_port = 80', 'http_port', 'range 1024 to 65535'],
    ['ttl_seconds = 3601', 'ttl_seconds', 'range 0 to 3600'],
    ['cache_size = 0', 'cache_size', 'range 1 to 1000'],
    ['max_conn = 1001', 'max_conn', 'range 1 to 1000'],
    ['log_level = "trace"', 'log_level', 'DEBUG, INFO, WARN, ERROR, or NONE'],
    ['path_prefix = "v1/"', 'path_prefix', 'must begin with /'],
    ['ssrf_headers = []', 'ssrf_headers', "can't be empty"],
    ['ssrf_env_variables = []', 'ssrf_env_variables', "can't be empty"],
    ['unknown_key = 1', 'unknown_key', 'unknown key'],
    ['ttl_seconds = "soon"', 'ttl_seconds', 'must be an integer'],
    ['[latchkey]\nbind = ["0.0.0.0"]', 'latchkey.bind', 'not a loopback address'],
    ['[latchkey]\nnope = 1', 'latchkey.nope', 'unknown key'],
    ['[latchkey.audit]\nenabled = "maybe"', 'latchkey.audit.enabled', 'true or false'],
  ])('rejects %j naming the file, the key and the reason', (text, key, reason) => {
    const file = tomlFile(text);
    const error = configError(() => loadConfig({ file, env: {} }));
    expect(error.file).toBe(file);
    expect(error.key).toBe(key);
    expect(error.message).toContain(file);
    expect(error.message).toContain(key);
    expect(error.reason).toContain(reason);
  });

  it('accepts port 0 (ephemeral), as the agent does', () => {
    expect(loadConfig({ file: tomlFile('http_port = 0'), env: {} }).httpPort).toBe(0);
  });

  it('reports TOML syntax errors with the line', () => {
    const file = tomlFile('http_port = 2773\nttl_seconds = = 3\n');
    const error = configError(() => loadConfig({ file, env: {} }));
    expect(error.key).toBe('line 2');
  });

  it('reports a missing file', () => {
    const error = configError(() => loadConfig({ file: join(configDir, 'absent.toml'), env: {} }));
    expect(error.reason).toContain('ENOENT');
  });

  it('allows a non-loopback bind only when asked', () => {
    const file = tomlFile('[latchkey]\nbind = ["0.0.0.0"]\nallow_non_loopback = true\n');
    expect(loadConfig({ file, env: {} }).latchkey.bind).toEqual(['0.0.0.0']);
    const error = configError(() => loadConfig({ env: {}, overrides: [{ key: 'bind', value: '10.0.0.1' }] }));
    expect(error.file).toBe('command line');
  });

  it('honours the Lambda extension variables', () => {
    const config = loadConfig({
      env: {
        PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '3000',
        PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE: '50',
        PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS: '7',
        PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'WARN',
        SECRETS_MANAGER_TTL: '900',
      },
    });
    expect(config).toMatchObject({
      httpPort: 3000,
      cacheSize: 50,
      upstreamMaxSockets: 7,
      logLevel: 'warn',
      ttlSeconds: 900,
      cacheEnabled: true,
    });
    expect(loadConfig({ env: { PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'false' } }).cacheEnabled).toBe(
      false,
    );
    expect(loadConfig({ env: { PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE: '0' } }).cacheEnabled).toBe(false);
    const error = configError(() => loadConfig({ env: { SECRETS_MANAGER_TTL: 'x' } }));
    expect(error.file).toBe('environment');
    expect(error.key).toBe('SECRETS_MANAGER_TTL');
  });

  it("takes the Parameter Store TTL from the file, the extension's variables and flags, in that order", () => {
    expect(loadConfig({ env: {} }).latchkey.parameterTtlSeconds).toBe(300);
    const file = tomlFile('[latchkey]\nparameter_ttl_seconds = 30\n');
    expect(loadConfig({ file, env: {} }).latchkey.parameterTtlSeconds).toBe(30);
    const env = { SSM_PARAMETER_STORE_TTL: '0', SSM_PARAMETER_STORE_TIMEOUT_MILLIS: '2500' };
    expect(loadConfig({ file, env })).toMatchObject({
      parameterTimeoutMs: 2500,
      latchkey: { parameterTtlSeconds: 0 },
    });
    const flag = loadConfig({ file, env, overrides: [{ key: 'parameter_ttl_seconds', value: '60' }] });
    expect(flag.latchkey.parameterTtlSeconds).toBe(60);
    const error = configError(() => loadConfig({ env: { SSM_PARAMETER_STORE_TTL: '3601' } }));
    expect(error).toMatchObject({ file: 'environment', key: 'SSM_PARAMETER_STORE_TTL' });
    expect(
      configError(() => loadConfig({ file: tomlFile('[latchkey]\nparameter_ttl_seconds = -1\n'), env: {} }))
        .key,
    ).toBe('latchkey.parameter_ttl_seconds');
  });

  it('applies flags over the environment over the file', () => {
    const file = tomlFile('http_port = 2000\nttl_seconds = 10\ncache_size = 3\n');
    const config = loadConfig({
      file,
      env: { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '3000', SECRETS_MANAGER_TTL: '20' },
      overrides: [{ key: 'http_port', value: '4000' }],
    });
    expect(config).toMatchObject({ httpPort: 4000, ttlSeconds: 20, cacheSize: 3 });
    const error = configError(() => loadConfig({ env: {}, overrides: [{ key: 'max_conn', value: '0' }] }));
    expect(error.key).toBe('--max-conn');
  });

  it('parses clients, audit and render tables', () => {
    const policyFile = join(configDir, 'policy.json');
    writeFileSync(
      policyFile,
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
    );
    const file = tomlFile(`
[latchkey]
prefetch = ["a", "b"]
created_date = "number"
unix_socket = "/tmp/x.sock"
unix_socket_mode = "0600"

[latchkey.audit]
path = "/tmp/audit.log"

[[latchkey.clients]]
name = "billing"
token = "file:///run/billing-token"
policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "secretsmanager:GetSecretValue", Resource = "billing/*" }] }

[[latchkey.clients]]
name = "ops"
token_env = "OPS_TOKEN"
policy_file = "${policyFile}"

[[latchkey.render]]
path = "/run/secrets/db.env"
format = "dotenv"
env = { DB_PASSWORD = "prod/db#password" }
mode = "0600"
command = ["nginx", "-s", "reload"]
`);
    const config = loadConfig({ file, env: {} });
    expect(config.latchkey.prefetch).toEqual(['a', 'b']);
    expect(config.latchkey.createdDate).toBe('number');
    expect(config.latchkey.unixSocketMode).toBe(0o600);
    expect(config.latchkey.audit).toEqual({ enabled: true, path: '/tmp/audit.log' });
    expect(config.latchkey.clients.map((client) => [client.name, client.token])).toEqual([
      ['billing', { kind: 'file', path: '/run/billing-token' }],
      ['ops', { kind: 'env', name: 'OPS_TOKEN' }],
    ]);
    expect(config.latchkey.render[0]).toMatchObject({
      format: 'dotenv',
      mode: 0o600,
      env: { DB_PASSWORD: 'prod/db#password' },
    });
  });

  it('names the policy field at fault', () => {
    const file = tomlFile(`[[latchkey.clients]]
name = "x"
token = "t"
policy = { Statement = [{ Effect = "Permit", Action = "*", Resource = "*" }] }
`);
    const error = configError(() => loadConfig({ file, env: {} }));
    expect(error.key).toBe('latchkey.clients[0].policy.Statement[0].Effect');
  });

  it('rejects duplicate client names and render modes other than 0400/0600', () => {
    const clients = `[[latchkey.clients]]\nname = "a"\ntoken = "1"\npolicy = '{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}'\n`;
    expect(configError(() => loadConfig({ file: tomlFile(clients + clients), env: {} })).key).toBe(
      'latchkey.clients[1].name',
    );
    const render = '[[latchkey.render]]\npath = "/x"\nsecret = "s"\nmode = "0644"\n';
    expect(configError(() => loadConfig({ file: tomlFile(render), env: {} })).key).toBe(
      'latchkey.render[0].mode',
    );
  });
});
