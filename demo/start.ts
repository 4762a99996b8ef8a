/**
 * `npm start`: the whole Latchkey story in one command. The Secrets Manager emulator with a demo secret, the
 * sidecar in front of it, and, when PostgreSQL answers, a demo database user whose secret our rotation function
 * rotates every few seconds while an app keeps querying through the SDK's pool helper. Ctrl-C (or SIGTERM) stops
 * everything, drops the demo user and exits 0.
 *
 *   npm start -- [--port 2773] [--emulator-port 4566] [--postgres 127.0.0.1:5432] [--rotate-every 5]
 */
import { parseArgs } from 'node:util';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { shortenNodeSupportWarning } from '@latchkey/sidecar';
import { type DemoApp, startDemoApp } from './app.js';
import {
  createDemoDatabase,
  type DemoDatabase,
  type DemoServer,
  passwordCheckingServer,
  postgresUnavailable,
} from './database.js';
import { type RotationSchedule, startRotationSchedule } from './rotation-schedule.js';
import { type DemoServices, startDemoServices } from './services.js';

const USAGE =
  'usage: npm start -- [--port <sidecar port, 0 = any>] [--emulator-port <port>] [--postgres <host:port>] [--rotate-every <seconds>]';

function parseFlags() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '2773' },
      'emulator-port': { type: 'string', default: '4566' },
      postgres: { type: 'string', default: '127.0.0.1:5432' },
      'rotate-every': { type: 'string', default: '5' },
    },
  });
  const port = (value: string) => (/^\d+$/.test(value) && Number(value) < 65536 ? Number(value) : Number.NaN);
  const [pgHost, pgPort] = values.postgres.split(/:(?=\d+$)/);
  const flags = {
    sidecarPort: port(values.port),
    emulatorPort: port(values['emulator-port']),
    postgres: { host: pgHost ?? '', port: port(pgPort ?? '') },
    rotateEveryMs: Number(values['rotate-every']) * 1000,
  };
  const bad = [flags.sidecarPort, flags.emulatorPort, flags.postgres.port, flags.rotateEveryMs].some(
    (n) => Number.isNaN(n) || n < 0,
  );
  if (bad || !flags.postgres.host || flags.rotateEveryMs < 1000) throw new Error(USAGE);
  return flags;
}

/** A port in use names the flag that moves it; anything else is reported as it is. */
function startFailure(error: Error, flags: { sidecarPort: number; emulatorPort: number }): string {
  const port = /EADDRINUSE\b.*:(\d+)\s*$/.exec(error.message)?.[1];
  if (port === undefined) return error.message;
  const flag = Number(port) === flags.emulatorPort ? '--emulator-port' : '--port';
  return `port ${port} is in use: run npm start -- ${flag} <another port>`;
}

const say = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

async function main(): Promise<number> {
  shortenNodeSupportWarning();
  let flags: ReturnType<typeof parseFlags>;
  try {
    flags = parseFlags();
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  // Listening from the start: a signal during start-up stops the demo once it is up, never half-way. Later signals
  // are ignored while it stops (it does not take long): under `npm start` one Ctrl-C arrives twice, from the
  // terminal and forwarded by npm, and must not cut the clean-up short.
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.on('SIGINT', resolve);
    process.on('SIGTERM', resolve);
  });
  let services: DemoServices;
  try {
    // The sidecar checks a secret's version every 2 s, so a rotated value reaches its clients within seconds.
    services = await startDemoServices({
      sidecarPort: flags.sidecarPort,
      emulatorPort: flags.emulatorPort,
      sidecarTtlSeconds: 2,
    });
  } catch (error) {
    console.error(`could not start the emulator and the sidecar: ${startFailure(error as Error, flags)}`);
    return 1;
  }
  const { emulator, sidecar, token, apiKeyId } = services;
  console.log(
    [
      'Latchkey demo',
      `  Secrets Manager emulator: ${emulator.endpoint}`,
      `  sidecar: ${sidecar.url}`,
      `  token: ${token}`,
      '  try:',
      `    curl -H "X-Aws-Parameters-Secrets-Token: ${token}" "${sidecar.url}/secretsmanager/get?secretId=${apiKeyId}"`,
      `    curl ${sidecar.url}/metrics`,
      '',
    ].join('\n'),
  );

  let server: DemoServer | undefined;
  let database: DemoDatabase | undefined;
  let rotation: RotationSchedule | undefined;
  let app: DemoApp | undefined;
  const stop = async () => {
    await rotation?.stop();
    await app?.stop();
    await database?.drop();
    await server?.stop();
    await services.close();
  };
  try {
    const unavailable = await postgresUnavailable(flags.postgres);
    if (unavailable) {
      say(`rotation demo off: ${unavailable}. Start PostgreSQL and run npm start again to see it.`);
    } else {
      server = await passwordCheckingServer(flags.postgres);
      const secretsManager = new SecretsManagerClient(emulator.clientConfig);
      database = await createDemoDatabase(server, secretsManager).finally(() => secretsManager.destroy());
      say(
        `database user ${database.username} on ${server.description}` +
          (database.checksPasswords
            ? '; it checks passwords: each rotation changes the password in the database'
            : '. It accepts any password (trust authentication), so setSecret finds the new one already working ' +
              'and leaves the database as it is; npm run e2e rotates against servers that check passwords'),
      );
      say(
        `${database.secretId} is rotated every ${flags.rotateEveryMs / 1000} s by the Latchkey PostgreSQL rotation function`,
      );
      app = await startDemoApp(
        {
          sidecarUrl: sidecar.url,
          token,
          secretId: database.secretId,
          queryEveryMs: 100,
          reportEveryMs: 5_000,
        },
        say,
      );
      rotation = startRotationSchedule(emulator, database.secretId, flags.rotateEveryMs, say);
    }
    say('running; Ctrl-C stops everything');
  } catch (error) {
    say(`start-up failed: ${(error as Error).message}`);
    await stop();
    return 1;
  }

  const signal = await stopped;
  say(`${signal}: stopping`);
  await stop();
  say(database ? `stopped; database user ${database.username} dropped` : 'stopped');
  return 0;
}

process.exit(await main());
