/**
 * Integration tests need the shared PostgreSQL (127.0.0.1:5432) and MariaDB (127.0.0.1:3306). On a developer
 * machine without one, its tests are skipped with a message saying why; under CI=true a missing service fails.
 */
import { connect } from 'node:net';

export const SHARED_POSTGRES = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' } as const;
export const SHARED_MARIADB = {
  host: '127.0.0.1',
  port: 3306,
  user: 'root',
  password: '',
  database: 'test',
} as const;

function answers(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Resolves true when the service is there. When it is not: under CI it throws (the run fails), elsewhere it
 * warns and resolves false, for `describe.skipIf(!available)`. `remedy`: what makes it available.
 */
export async function requireService(
  name: string,
  available: boolean,
  remedy = 'start it (see DESIGN.md section 2)',
): Promise<boolean> {
  if (available) return true;
  const message = `${name} is not available: ${remedy} to run these tests`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`skipping: ${message}`);
  return false;
}

export async function postgresAvailable(): Promise<boolean> {
  return requireService(
    'PostgreSQL on 127.0.0.1:5432',
    await answers(SHARED_POSTGRES.host, SHARED_POSTGRES.port),
  );
}

export async function mariadbAvailable(): Promise<boolean> {
  return requireService('MariaDB on 127.0.0.1:3306', await answers(SHARED_MARIADB.host, SHARED_MARIADB.port));
}
