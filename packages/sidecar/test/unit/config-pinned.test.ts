import { describe, expect, it } from 'vitest';
import { parseServeArgs, SERVE_HELP } from '../../src/cli/serve.js';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { tomlFile } from '../support/toml-file.js';

function failure(run: () => unknown): { file: string; key: string; reason: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const { file, key, reason } = error as ConfigError;
    return { file, key, reason };
  }
  throw new Error('expected a ConfigError');
}

const fromFile = (text: string) => loadConfig({ file: tomlFile(text), env: {} });
const fromEnv = (env: NodeJS.ProcessEnv) => loadConfig({ env });
const fromFlags = (argv: string[]) => loadConfig({ env: {}, overrides: parseServeArgs(argv).overrides });

describe('defaults', () => {
  it('are the agent’s, and Latchkey’s own', () => {
    expect(loadConfig({ env: {} })).toEqual({
      file: undefined,
      httpPort: 2773,
      ttlSeconds: 300,
      cacheSize: 1000,
      maxConn: 800,
      logLevel: 'info',
      logToFile: false,
      pathPrefix: '/v1/',
      region: undefined,
      ssrfHeaders: ['X-Aws-Parameters-Secrets-Token', 'X-Vault-Token'],
      ssrfEnvVariables: ['AWS_TOKEN', 'AWS_SESSION_TOKEN', 'AWS_CONTAINER_AUTHORIZATION_TOKEN'],
      ignoreTransientErrors: true,
      validateCredentials: true,
      credentialsFilePath: undefined,
      maxRoles: 20,
      cacheEnabled: true,
      upstreamMaxSockets: undefined,
      upstreamTimeoutMs: 0,
      parameterTimeoutMs: 0,
      latchkey: {
        bind: ['127.0.0.1', '::1'],
        unixSocket: undefined,
        unixSocketMode: 0o660,
        allowNonLoopback: false,
        endpoint: undefined,
        maxStaleSeconds: 900,
        parameterTtlSeconds: 300,
        refreshAhead: true,
        createdDate: 'string',
        prefetch: [],
        tokenGraceSeconds: 300,
        tokenReloadIntervalMs: 1000,
        shutdownTimeoutSeconds: 10,
        logFile: 'logs/latchkey.log',
        audit: { enabled: true, path: '-' },
        clients: [],
        render: [],
      },
    });
  });
});

describe('ranges in the file', () => {
  it.each([
    ['max_roles', 1, 100],
    ['latchkey.max_stale_seconds', 0, 604800],
    ['latchkey.parameter_ttl_seconds', 0, 3600],
    ['latchkey.token_grace_seconds', 0, 86400],
    ['latchkey.token_reload_interval_ms', 50, 600000],
    ['latchkey.shutdown_timeout_seconds', 0, 600],
  ])('%s takes %i to %i', (key, min, max) => {
    const [table, name] = key.includes('.') ? key.split('.') : [undefined, key];
    const text = (value: number) => `${table ? `[${table}]\n` : ''}${name} = ${value}\n`;
    expect(() => fromFile(text(min))).not.toThrow();
    expect(() => fromFile(text(max))).not.toThrow();
    for (const value of [min - 1, max + 1]) {
      expect(failure(() => fromFile(text(value)))).toMatchObject({
        key,
        reason: `must be in the range ${min} to ${max}, got ${value}`,
      });
    }
  });

  it.each([
    [
      'http_port = 1023',
      'http_port',
      "The HTTP port specified in the configuration file isn't valid. The HTTP port must be in the range 1024 to 65535.",
    ],
    ['http_port = 65536', 'http_port', 'must be in the range 0 to 65535, got 65536'],
    [
      'ttl_seconds = -1',
      'ttl_seconds',
      "The TTL in seconds specified in the configuration file isn't valid. The TTL must be in the range 0 to 3600.",
    ],
    [
      'cache_size = 1001',
      'cache_size',
      "The cache size specified in the configuration file isn't valid. The cache size must be in the range 1 to 1000.",
    ],
    [
      'max_conn = 0',
      'max_conn',
      "The maximum number of connections specified in the configuration file isn't valid. The maximum number of connections must be in the range 1 to 1000.",
    ],
    [
      'log_level = 7',
      'log_level',
      "The log level specified in the configuration file isn't valid. The log level must be DEBUG, INFO, WARN, ERROR, or NONE.",
    ],
    ['log_to_file = "yes"', 'log_to_file', 'must be true or false, got "yes"'],
    ['region = ""', 'region', 'must be a non-empty string'],
    ['ssrf_headers = [1]', 'ssrf_headers', 'must be a list of non-empty strings'],
    ['credentials_file_path = 3', 'credentials_file_path', 'must be a non-empty string'],
    [
      '[latchkey]\nendpoint = "not a url"',
      'latchkey.endpoint',
      'must be a URL such as http://127.0.0.1:4566, got "not a url"',
    ],
    ['[latchkey]\ncreated_date = "iso"', 'latchkey.created_date', 'must be one of string, number, got "iso"'],
    [
      '[latchkey]\nunix_socket_mode = "rw"',
      'latchkey.unix_socket_mode',
      'must be an octal file mode such as "0600", got "rw"',
    ],
    ['[latchkey]\nbind = ["example.com"]', 'latchkey.bind', '"example.com" is not an IP address'],
    ['[latchkey]\nbind = []', 'latchkey.bind', 'no listener: give at least one address or a unix_socket'],
    ['[latchkey]\nrefresh_ahead = 2', 'latchkey.refresh_ahead', 'must be true or false, got 2'],
    ['[latchkey]\nprefetch = [""]', 'latchkey.prefetch', 'must be a list of non-empty strings'],
    [
      '[latchkey]\nnope = 1',
      'latchkey.nope',
      'unknown key (expected one of: bind, unix_socket, unix_socket_mode, allow_non_loopback, endpoint, max_stale_seconds, parameter_ttl_seconds, refresh_ahead, created_date, prefetch, token_grace_seconds, token_reload_interval_ms, shutdown_timeout_seconds, log_file, audit, clients, render)',
    ],
    ['[latchkey.audit]\nfile = "x"', 'latchkey.audit.file', 'unknown key (expected one of: enabled, path)'],
    ['latchkey = 1', 'latchkey', 'must be a table'],
  ])('%j is refused: %s', (text, key, reason) => {
    expect(failure(() => fromFile(text))).toMatchObject({ key, reason });
  });

  it('reads every [latchkey] scalar key', () => {
    const config = fromFile(`[latchkey]
bind = ["::1"]
unix_socket = "/tmp/l.sock"
unix_socket_mode = 0o600
allow_non_loopback = true
endpoint = "http://127.0.0.1:4566"
max_stale_seconds = 60
parameter_ttl_seconds = 0
refresh_ahead = false
created_date = "NUMBER"
prefetch = ["a"]
token_grace_seconds = 5
token_reload_interval_ms = "75"
shutdown_timeout_seconds = 3
log_file = "/tmp/l.log"
[latchkey.audit]
enabled = false
`);
    expect(config.latchkey).toEqual({
      bind: ['::1'],
      unixSocket: '/tmp/l.sock',
      unixSocketMode: 0o600,
      allowNonLoopback: true,
      endpoint: 'http://127.0.0.1:4566',
      maxStaleSeconds: 60,
      parameterTtlSeconds: 0,
      refreshAhead: false,
      createdDate: 'number',
      prefetch: ['a'],
      tokenGraceSeconds: 5,
      tokenReloadIntervalMs: 75,
      shutdownTimeoutSeconds: 3,
      logFile: '/tmp/l.log',
      audit: { enabled: false, path: '-' },
      clients: [],
      render: [],
    });
  });
});

describe("the Lambda extension's variables", () => {
  it.each([
    [{ PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '80' }, { httpPort: 80 }],
    [{ PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'FALSE' }, { cacheEnabled: false }],
    [
      { PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'true', SECRETS_MANAGER_TTL: '0' },
      { cacheEnabled: false, ttlSeconds: 0 },
    ],
    [
      { PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'true', PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE: '0' },
      { cacheEnabled: false, cacheSize: 1000 },
    ],
    [{ PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE: '1' }, { cacheEnabled: true, cacheSize: 1 }],
    [{ PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS: '100000' }, { upstreamMaxSockets: 100000 }],
    [{ PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'debug' }, { logLevel: 'debug' }],
    [{ SECRETS_MANAGER_TTL: '3600' }, { ttlSeconds: 3600, cacheEnabled: true }],
    [{ SECRETS_MANAGER_TIMEOUT_MILLIS: '600000' }, { upstreamTimeoutMs: 600000 }],
    [{ SSM_PARAMETER_STORE_TTL: '7' }, { latchkey: { parameterTtlSeconds: 7 } }],
    [{ SSM_PARAMETER_STORE_TIMEOUT_MILLIS: '0' }, { parameterTimeoutMs: 0 }],
    [{ SECRETS_MANAGER_TTL: '' }, { ttlSeconds: 300 }],
  ] as [NodeJS.ProcessEnv, object][])('%j sets %j', (env, expected) => {
    expect(fromEnv(env)).toMatchObject(expected);
  });

  it.each([
    ['PARAMETERS_SECRETS_EXTENSION_HTTP_PORT', '0', 'must be in the range 1 to 65535, got 0'],
    ['PARAMETERS_SECRETS_EXTENSION_HTTP_PORT', '65536', 'must be in the range 1 to 65535, got 65536'],
    ['PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED', 'off', 'must be true or false, got "off"'],
    ['PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE', '1001', 'must be in the range 0 to 1000, got 1001'],
    ['PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS', '0', 'must be in the range 1 to 100000, got 0'],
    [
      'PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL',
      'trace',
      'must be one of debug, info, warn, error, none, got "trace"',
    ],
    ['SECRETS_MANAGER_TTL', '3601', 'must be in the range 0 to 3600, got 3601'],
    ['SECRETS_MANAGER_TIMEOUT_MILLIS', '600001', 'must be in the range 0 to 600000, got 600001'],
    ['SSM_PARAMETER_STORE_TTL', '-1', 'must be in the range 0 to 3600, got -1'],
    ['SSM_PARAMETER_STORE_TIMEOUT_MILLIS', 'x', 'must be an integer, got "x"'],
  ])('%s=%s is refused: %s', (name, value, reason) => {
    expect(failure(() => fromEnv({ [name]: value }))).toEqual({ file: 'environment', key: name, reason });
  });

  it('override the file, and flags override them', () => {
    const file = tomlFile('log_level = "error"\nhttp_port = 2000\n');
    const env = {
      PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'warn',
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '3000',
    };
    expect(loadConfig({ file, env })).toMatchObject({ logLevel: 'warn', httpPort: 3000 });
    const overrides = parseServeArgs(['--log-level', 'debug']).overrides;
    expect(loadConfig({ file, env, overrides })).toMatchObject({ logLevel: 'debug', httpPort: 3000 });
  });
});

describe('flags', () => {
  it('set every key', () => {
    const config = fromFlags([
      ...[
        '--http-port',
        '0',
        '--ttl-seconds',
        '5',
        '--cache-size',
        '6',
        '--max-conn',
        '7',
        '--log-level',
        'ERROR',
      ],
      ...[
        '--log-to-file',
        'true',
        '--log-file',
        '/tmp/x.log',
        '--path-prefix',
        '/p/',
        '--region',
        'eu-west-3',
      ],
      ...[
        '--endpoint',
        'http://127.0.0.1:9',
        '--ssrf-headers',
        'A-Token, B-Token',
        '--ssrf-env-variables',
        'T1,T2',
      ],
      ...[
        '--ignore-transient-errors',
        'false',
        '--validate-credentials',
        '0',
        '--credentials-file-path',
        '/tmp/c',
      ],
      ...['--max-roles', '3', '--bind', '::1', '--bind', '127.0.0.2', '--allow-non-loopback'],
      ...['--unix-socket', '/tmp/s.sock', '--unix-socket-mode', '0600', '--max-stale-seconds', '8'],
      ...['--parameter-ttl-seconds', '9', '--refresh-ahead', 'false', '--created-date', 'number'],
      ...['--prefetch', 'a', '--prefetch', 'b', '--audit-log', '/tmp/audit', '--token-grace-seconds', '10'],
      ...['--token-reload-interval-ms', '60', '--shutdown-timeout-seconds', '11'],
    ]);
    expect(config).toMatchObject({
      httpPort: 0,
      ttlSeconds: 5,
      cacheSize: 6,
      maxConn: 7,
      logLevel: 'error',
      logToFile: true,
      pathPrefix: '/p/',
      region: 'eu-west-3',
      ssrfHeaders: ['A-Token', 'B-Token'],
      ssrfEnvVariables: ['T1', 'T2'],
      ignoreTransientErrors: false,
      validateCredentials: false,
      credentialsFilePath: '/tmp/c',
      maxRoles: 3,
      latchkey: {
        bind: ['::1', '127.0.0.2'],
        allowNonLoopback: true,
        unixSocket: '/tmp/s.sock',
        unixSocketMode: 0o600,
        endpoint: 'http://127.0.0.1:9',
        maxStaleSeconds: 8,
        parameterTtlSeconds: 9,
        refreshAhead: false,
        createdDate: 'number',
        prefetch: ['a', 'b'],
        tokenGraceSeconds: 10,
        tokenReloadIntervalMs: 60,
        shutdownTimeoutSeconds: 11,
        logFile: '/tmp/x.log',
        audit: { enabled: true, path: '/tmp/audit' },
      },
    });
    expect(fromFlags(['--audit-log', 'off']).latchkey.audit).toEqual({ enabled: false, path: '-' });
    expect(fromFlags(['--audit-log', '-']).latchkey.audit).toEqual({ enabled: true, path: '-' });
  });

  it('name the flag in errors', () => {
    expect(failure(() => fromFlags(['--ttl-seconds', '4000']))).toEqual({
      file: 'command line',
      key: '--ttl-seconds',
      reason:
        "The TTL in seconds specified in the configuration file isn't valid. The TTL must be in the range 0 to 3600.",
    });
    expect(failure(() => fromFlags(['--max-stale-seconds', 'x']))).toMatchObject({
      key: '--max-stale-seconds',
    });
    expect(() => parseServeArgs(['--clients', 'x'])).toThrow("Unknown option '--clients'");
    expect(() => parseServeArgs(['--cache-enabled', 'x'])).toThrow("Unknown option '--cache-enabled'");
  });
});

describe('serve --help', () => {
  it.each([
    ['--http-port <port>', 'default 2773'],
    ['--bind <address>', 'repeatable'],
    ['--allow-non-loopback', ''],
    ['--unix-socket <path>', ''],
    ['--unix-socket-mode <mode>', '0660'],
    ['--ttl-seconds <n>', '0-3600 (default 300)'],
    ['--cache-size <n>', '1-1000 (default 1000)'],
    ['--max-conn <n>', '1-1000 (default 800)'],
    ['--max-stale-seconds <n>', 'default 900'],
    ['--parameter-ttl-seconds <n>', '0-3600 (default 300)'],
    ['--refresh-ahead <bool>', 'default true'],
    ['--log-level <level>', 'debug, info, warn, error or none (default info)'],
    ['--log-to-file <bool>', 'default false'],
    ['--log-file <path>', 'logs/latchkey.log'],
    ['--path-prefix <prefix>', 'default /v1/'],
    ['--region <region>', ''],
    ['--endpoint <url>', ''],
    ['--ssrf-headers <a,b>', 'X-Aws-Parameters-Secrets-Token,X-Vault-Token'],
    ['--ssrf-env-variables <a,b>', 'AWS_TOKEN,AWS_SESSION_TOKEN,AWS_CONTAINER_AUTHORIZATION_TOKEN'],
    ['--ignore-transient-errors <bool>', 'default true'],
    ['--validate-credentials <bool>', 'default true'],
    ['--credentials-file-path <path>', ''],
    ['--max-roles <n>', 'default 20'],
    ['--created-date <string|number>', 'default string'],
    ['--prefetch <id>', 'repeatable'],
    ['--audit-log <path|-|off>', '- (stdout) or off (default -)'],
    ['--token-grace-seconds <n>', 'default 300'],
    ['--token-reload-interval-ms <n>', 'default 1000'],
    ['--shutdown-timeout-seconds <n>', 'default 10'],
  ])('lists %s (%s)', (flag, detail) => {
    const line = SERVE_HELP.split('\n').find((text) => text.trimStart().startsWith(flag));
    expect(line).toBeDefined();
    expect(line).toContain(detail);
  });

  it('names the configuration file and the environment variables', () => {
    expect(SERVE_HELP).toContain('-c, --config <file>');
    expect(SERVE_HELP).toContain('PARAMETERS_SECRETS_EXTENSION_');
    expect(SERVE_HELP).toContain('SIGHUP');
  });
});
