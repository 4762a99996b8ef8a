/**
 * No secret value in any error or log line: recognisable values are seeded, then every CLI command (`latchkey
 * get/run/render/audit`, `latchkey-rotate`) and every rotation step of the handler is made to fail on them, with
 * debug logging on, and everything they print or throw is searched for the values. The compiled bins are run
 * (`npx tsc -b` first), as users run them.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type Emulator, startEmulator } from '@latchkey/emulator';
import { createLogger, mysqlEngine, ROTATION_STEPS, Rotator } from '@latchkey/rotator';
import { AwsSource, SecretsCache } from '@latchkey/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const LATCHKEY = join(root, 'packages/sidecar/dist/bin/latchkey.js');
const LATCHKEY_ROTATE = join(root, 'packages/rotator/dist/bin/latchkey-rotate.js');

const marker = randomBytes(4).toString('hex');
/** In every value and nothing else (the names carry `marker`). */
const valueMarker = randomBytes(4).toString('hex');
/** The values: none of them may appear in anything printed or thrown. */
const VALUES = {
  short: `Pw!9xQz#${valueMarker}`,
  truncated: `tr-${valueMarker}-pw`,
  json: `js-${valueMarker}-pw`,
  pending: `pe-${valueMarker}-pw`,
};
const SECRETS = {
  short: `leak/short-${marker}`,
  truncated: `leak/truncated-${marker}`,
  json: `leak/json-${marker}`,
};

function run(bin: string, args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, ...env }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? ((error as { code?: number }).code ?? 1) : 0,
          output: `${stdout}\n${stderr}`,
        }),
    );
  });
}

function expectNoValue(text: string, what: string): void {
  for (const value of Object.values(VALUES)) expect(text, what).not.toContain(value);
  // Nor a piece of one long enough to identify it (a parser's message may quote a window of the input).
  expect(text, what).not.toContain(valueMarker);
}

let emu: Emulator;
let client: SecretsManagerClient;
let env: NodeJS.ProcessEnv;
const dir = mkdtempSync(join(tmpdir(), 'latchkey-leak-'));

beforeAll(async () => {
  emu = await startEmulator({ host: '127.0.0.1', port: 0 });
  client = new SecretsManagerClient(emu.clientConfig);
  await client.send(new CreateSecretCommand({ Name: SECRETS.short, SecretString: VALUES.short }));
  await client.send(
    new CreateSecretCommand({ Name: SECRETS.truncated, SecretString: `{"password": "${VALUES.truncated}"` }),
  );
  await client.send(
    new CreateSecretCommand({
      Name: SECRETS.json,
      SecretString: JSON.stringify({
        engine: 'mariadb',
        host: '127.0.0.1',
        username: 'nobody',
        password: VALUES.json,
      }),
    }),
  );
  // A pending version that is not JSON, for the steps that read AWSPENDING.
  await client.send(
    new PutSecretValueCommand({
      SecretId: SECRETS.json,
      ClientRequestToken: `00000000-0000-4000-8000-${marker}0000`,
      SecretString: VALUES.pending,
      VersionStages: ['AWSPENDING'],
    }),
  );
  env = {
    AWS_ACCESS_KEY_ID: emu.clientConfig.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emu.clientConfig.credentials.secretAccessKey,
    AWS_REGION: emu.region,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: emu.endpoint,
    AWS_ENDPOINT_URL_STS: emu.endpoint,
    LATCHKEY_LOG_LEVEL: 'debug',
    LOG_LEVEL: 'debug',
  };
});
afterAll(async () => {
  client?.destroy();
  await emu?.close();
});

describe('no secret value in any error or log line', () => {
  const failing: [string, string[]][] = [];
  const render = (name: string, id: string, format: string, extra: string[] = []): [string, string[]] => [
    `render ${name} --format ${format}`,
    ['render', '--secret', id, '--format', format, ...extra, '--out', join(dir, `${name}-${format}`)],
  ];
  for (const [name, id] of Object.entries(SECRETS)) {
    failing.push(
      [`get ${name} --json-key`, ['get', id, '--json-key', 'nokey']],
      [`get ${name}#key`, ['get', `${id}#nokey`]],
      [`run ${name}`, ['run', '--env', `X=${id}#nokey`, '--', process.execPath, '-e', '0']],
      render(name, id, 'json-key', ['--json-key', 'nokey']),
    );
    // The valid JSON secret renders fine as json or dotenv; the others must fail.
    if (id !== SECRETS.json) failing.push(render(name, id, 'json'), render(name, id, 'dotenv'));
  }

  it.each(failing)('latchkey %s fails without printing a value', async (_name, args) => {
    const result = await run(LATCHKEY, args, env);
    expect(result.code, result.output).not.toBe(0);
    expectNoValue(result.output, args.join(' '));
  });

  it('latchkey audit prints no value', async () => {
    const result = await run(LATCHKEY, ['audit', '--json'], env);
    expectNoValue(result.output, 'audit');
  });

  it.each([
    ['a secret that is not JSON', [SECRETS.short]],
    ['a secret that is not JSON, engine given', [SECRETS.short, '--engine', 'mysql']],
    ['truncated JSON', [SECRETS.truncated]],
    ['a pending version that is not JSON', [SECRETS.json, '--step', 'setSecret']],
    ['finishSecret on a pending version that is not JSON', [SECRETS.json, '--step', 'finishSecret']],
  ])('latchkey-rotate on %s fails (exit 1) without printing a value', async (_name, args) => {
    const result = await run(LATCHKEY_ROTATE, args, env);
    expect(result.code, result.output).toBe(1);
    expect(result.output).toMatch(/is not valid JSON/);
    expectNoValue(result.output, args.join(' '));
  });

  it('latchkey-rotate on a secret that does not exist says it was not found (exit 1)', async () => {
    const result = await run(LATCHKEY_ROTATE, [`does/not/exist-${marker.slice(0, 2)}`], env);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/secret does\/not\/exist-\w+ was not found/);
    expect(result.output).not.toMatch(/engine/);
  });

  it('every step of the rotation handler fails on these secrets without a value in the error or the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const rotator = new Rotator({
      engine: mysqlEngine(),
      secretsManager: client,
      logger: createLogger(sink, 'debug'),
      requireRotationEnabled: false,
    });
    let failures = 0;
    for (const id of Object.values(SECRETS)) {
      for (const step of ROTATION_STEPS) {
        const token = `00000000-0000-4000-8000-${marker}0000`;
        try {
          await rotator.runStep(
            { SecretId: id, ClientRequestToken: token, Step: step },
            { tokenMayBeNew: true },
          );
        } catch (error) {
          failures++;
          expectNoValue(
            `${String(error)} ${JSON.stringify(error)} ${String((error as Error).cause)}`,
            `${id} ${step}`,
          );
        }
      }
    }
    expect(failures).toBe(Object.keys(SECRETS).length * ROTATION_STEPS.length);
    expectNoValue(lines.join(''), 'handler log');
  });

  it("the SDK's JSON getters fail without the value", async () => {
    const cache = new SecretsCache({
      source: new AwsSource({ clientConfig: { ...emu.clientConfig, maxAttempts: 1 } }),
    });
    try {
      for (const id of [SECRETS.short, SECRETS.truncated]) {
        const error = await cache.getJson(id).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(Error);
        expectNoValue(`${String(error)} ${JSON.stringify(error)} ${String((error as Error).cause)}`, id);
      }
    } finally {
      await cache.close();
    }
  });
});
