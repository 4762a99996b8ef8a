#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { parseJsonText } from '@latchkey/sdk/db';
import { SecretFormatError } from '../errors.js';
import { isRotationStep, ROTATION_STEPS } from '../protocol/event.js';
import { familyOfEngine } from '../secret/database-secret.js';
import type { StrategyName } from '../strategies/strategy.js';

const USAGE = `Usage: latchkey-rotate <secretId> [options]

Rotates a database secret from here (a laptop, CI, a cron job) with the same four steps, checks and database
changes as the Latchkey rotation Lambda. Logs go to stderr; a JSON summary goes to stdout.

Options:
  --step <step>          run one step: ${ROTATION_STEPS.join(', ')}
  --token <versionId>    the rotation's version id (default: the rotation in progress, else a new UUID)
  --strategy <name>      single-user | alternating-users (default: alternating when the secret has masterarn)
  --engine <family>      mysql | postgres (default: from the secret's engine key)
  --endpoint <url>       Secrets Manager endpoint (default: SECRETS_MANAGER_ENDPOINT, AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS)
  --region <region>      AWS region (default: the SDK's region chain)
  --require-rotation-enabled
                         refuse a secret whose RotationEnabled is false, as the Lambda does
  -h, --help             show this help

Password generation reads the same environment as the Lambda: PASSWORD_LENGTH, EXCLUDE_CHARACTERS,
EXCLUDE_NUMBERS, EXCLUDE_PUNCTUATION, EXCLUDE_UPPERCASE, EXCLUDE_LOWERCASE, REQUIRE_EACH_INCLUDED_TYPE.
`;

class UsageError extends Error {}

/** The `engine` key of the AWSCURRENT value, parsed without ever quoting the value in an error. */
function engineKey(secretString: string | undefined, secretId: string): string | undefined {
  if (secretString === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = parseJsonText(secretString, `secret ${secretId} (AWSCURRENT)`);
  } catch (error) {
    throw new SecretFormatError((error as Error).message, { secretId, key: 'SecretString' });
  }
  const engine = (parsed as { engine?: unknown } | null)?.engine;
  return typeof engine === 'string' ? engine : undefined;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        step: { type: 'string' },
        token: { type: 'string' },
        strategy: { type: 'string' },
        engine: { type: 'string' },
        endpoint: { type: 'string' },
        region: { type: 'string' },
        'require-rotation-enabled': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('expected exactly one <secretId>');
  const secretId = positionals[0]!;
  if (values.step !== undefined && !isRotationStep(values.step)) {
    throw new UsageError(`--step must be one of ${ROTATION_STEPS.join(', ')}; got '${values.step}'`);
  }
  const strategy = values.strategy;
  if (strategy !== undefined && strategy !== 'single-user' && strategy !== 'alternating-users') {
    throw new UsageError(`--strategy must be single-user or alternating-users; got '${strategy}'`);
  }
  if (values.engine !== undefined && familyOfEngine(values.engine) === undefined) {
    throw new UsageError(`--engine must be mysql or postgres; got '${values.engine}'`);
  }

  // The AWS SDK and the drivers load only now, so --help and usage errors answer at once.
  const [
    { pino },
    { createLogger },
    { createSecretsManagerClient },
    { SecretStore, AWSCURRENT },
    { Rotator },
    { rotateLocally },
  ] = await Promise.all([
    import('pino'),
    import('../logger.js'),
    import('../secrets-manager-client.js'),
    import('../protocol/secret-store.js'),
    import('../protocol/rotator.js'),
    import('../local/local-rotation.js'),
  ]);
  const logger = createLogger(pino.destination(2));
  const client = createSecretsManagerClient({
    ...(values.endpoint ? { endpoint: values.endpoint } : {}),
    ...(values.region ? { region: values.region } : {}),
  });
  const store = new SecretStore(client);
  let family = familyOfEngine(values.engine);
  if (family === undefined) {
    // DescribeSecret first, so a secret that does not exist is reported as not found.
    await store.describe(secretId);
    family = familyOfEngine(engineKey(await store.getString(secretId, { stage: AWSCURRENT }), secretId));
    if (family === undefined) {
      throw new UsageError(
        `secret ${secretId} has no recognised 'engine' key: pass --engine mysql or --engine postgres`,
      );
    }
  }
  const engine =
    family === 'mysql'
      ? (await import('../engines/mysql/session.js')).mysqlEngine()
      : (await import('../engines/postgres/session.js')).postgresEngine();
  const rotator = new Rotator({
    engine,
    secretsManager: client,
    logger,
    strategy: strategy as StrategyName | undefined,
    requireRotationEnabled: values['require-rotation-enabled'] === true,
  });
  const result = await rotateLocally(
    rotator,
    store,
    secretId,
    { step: values.step as (typeof ROTATION_STEPS)[number] | undefined, token: values.token },
    logger,
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
  client.destroy();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`latchkey-rotate: ${error.message}\nRun 'latchkey-rotate --help' for usage.\n`);
      process.exitCode = 2;
      return;
    }
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`latchkey-rotate: ${name}: ${message}\n`);
    process.exitCode = 1;
  },
);
