import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Credentials, DatabaseEngine, EngineSession } from '../../src/engines/engine.js';
import { CredentialMismatchError, LoginError, SecretFormatError } from '../../src/errors.js';
import type { SecretStore } from '../../src/protocol/secret-store.js';
import { type DatabaseSecret, parseDatabaseSecret } from '../../src/secret/database-secret.js';
import { alternatingUsersStrategy } from '../../src/strategies/alternating-users.js';
import { singleUserStrategy } from '../../src/strategies/single-user.js';
import type { StepContext } from '../../src/strategies/strategy.js';

/** A database that accepts exactly the (username, password) pairs in `valid` and records what happens. */
function fakeDatabase(valid: [string, string][]) {
  const accepted = new Set(valid.map(([u, p]) => `${u}\n${p}`));
  const events: string[] = [];
  const engine: DatabaseEngine = {
    family: 'mysql',
    async connect(credentials: Credentials): Promise<EngineSession> {
      events.push(`login ${credentials.username}`);
      if (!accepted.has(`${credentials.username}\n${credentials.password}`)) throw new Error('access denied');
      return {
        account: async () => ({ username: credentials.username, host: '%' }),
        ping: async () => undefined,
        changeOwnPassword: async () => {
          events.push(`change password of ${credentials.username}`);
        },
        convergeClone: async (source, clone) => {
          events.push(`converge ${clone.username} from ${source.username}`);
        },
        assertSamePrivilegesAs: async () => undefined,
        close: async () => undefined,
      };
    },
  };
  return { engine, events };
}

const secret = (fields: object, source = 'test'): DatabaseSecret =>
  parseDatabaseSecret(JSON.stringify({ engine: 'mysql', host: 'db', ...fields }), {
    family: 'mysql',
    secretId: source,
  });

function context(engine: DatabaseEngine, stored: Record<string, object> = {}): StepContext {
  const store = {
    getString: async (secretId: string, select: { stage: string }) => {
      const value = stored[`${secretId}/${select.stage}`];
      return value === undefined ? undefined : JSON.stringify(value);
    },
  } as unknown as SecretStore;
  return {
    secretId: 'arn:s',
    token: 't',
    family: 'mysql',
    engine,
    store,
    logger: pino({ level: 'silent' }),
    env: {},
  };
}

describe('single user setSecret', () => {
  it('does nothing when the pending password already logs in (a retry)', async () => {
    const db = fakeDatabase([['app', 'new']]);
    await singleUserStrategy.setSecret(
      context(db.engine),
      secret({ username: 'app', password: 'old' }),
      secret({ username: 'app', password: 'new' }),
    );
    expect(db.events).toEqual(['login app']);
  });

  it('refuses when the pending version names another user or host, before changing anything', async () => {
    const db = fakeDatabase([['app', 'old']]);
    for (const pending of [
      { username: 'other', password: 'new' },
      { username: 'app', password: 'new', host: 'x' },
    ]) {
      await expect(
        singleUserStrategy.setSecret(
          context(db.engine),
          secret({ username: 'app', password: 'old' }),
          secret(pending),
        ),
      ).rejects.toBeInstanceOf(CredentialMismatchError);
    }
    expect(db.events.some((event) => event.startsWith('change'))).toBe(false);
  });

  it('falls back to AWSPREVIOUS, but never logs in with a previous version naming another user', async () => {
    const db = fakeDatabase([
      ['app', 'older'],
      ['intruder', 'x'],
    ]);
    const current = secret({ username: 'app', password: 'old' });
    const pending = secret({ username: 'app', password: 'new' });
    await singleUserStrategy.setSecret(
      context(db.engine, {
        'arn:s/AWSPREVIOUS': { engine: 'mysql', host: 'db', username: 'app', password: 'older' },
      }),
      current,
      pending,
    );
    expect(db.events).toEqual(['login app', 'login app', 'login app', 'change password of app']);

    const other = fakeDatabase([['intruder', 'x']]);
    await expect(
      singleUserStrategy.setSecret(
        context(other.engine, {
          'arn:s/AWSPREVIOUS': { engine: 'mysql', host: 'db', username: 'intruder', password: 'x' },
        }),
        current,
        pending,
      ),
    ).rejects.toBeInstanceOf(LoginError);
    expect(other.events).not.toContain('login intruder');
  });
});

describe('login failures', () => {
  /** A database that refuses every login with `error`. */
  const refusing = (error: Error): DatabaseEngine => ({
    family: 'postgres',
    connect: () => Promise.reject(error),
  });
  const current = secret({ username: 'app', password: 'Cur-pw!9' });
  const pending = secret({ username: 'app', password: 'New-pw!9' });

  it.each([
    ['a driver code', Object.assign(new Error('password authentication failed'), { code: '28P01' }), '28P01'],
    [
      "node-postgres's connect timeout",
      new Error('Connection terminated due to connection timeout'),
      'timeout',
    ],
    ['no code', new Error('something else'), 'error'],
  ])('name each credential tried and why it failed (%s), never a password', async (_what, error, reason) => {
    const single = singleUserStrategy.setSecret(context(refusing(error)), current, pending);
    await expect(single).rejects.toThrow(
      `unable to log into the database with the pending, current or previous secret (AWSPENDING: ${reason}; AWSCURRENT: ${reason})`,
    );
    const alternating = alternatingUsersStrategy.testSecret(
      context(refusing(error)),
      secret({ username: 'app', password: 'Cur-pw!9', masterarn: 'arn:m' }),
      secret({ username: 'app_clone', password: 'New-pw!9', masterarn: 'arn:m' }),
    );
    await expect(alternating).rejects.toThrow(
      `unable to log into the database with the AWSPENDING credentials (AWSPENDING: ${reason})`,
    );
    for (const failure of [single, alternating]) {
      await expect(failure).rejects.not.toThrow(/pw!9|authentication failed|terminated/);
    }
  });
});

describe('login retries', () => {
  /** A database whose first `failures` logins fail with `error`, then accepts; counts the logins. */
  const failingFirst = (failures: number, error: Error) => {
    const db = fakeDatabase([['app', 'New-pw!9']]);
    let logins = 0;
    const engine: DatabaseEngine = {
      family: 'postgres',
      connect: (credentials, logger) => {
        logins++;
        return logins <= failures ? Promise.reject(error) : db.engine.connect(credentials, logger);
      },
    };
    return { engine, logins: () => logins };
  };
  const current = secret({ username: 'app', password: 'Cur-pw!9' });
  const pending = secret({ username: 'app', password: 'New-pw!9' });

  it.each([
    ["node-postgres's connect timeout", new Error('Connection terminated due to connection timeout')],
    ['a socket timeout', Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' })],
  ])('tries a login that timed out (%s) once more, and the step goes on', async (_what, error) => {
    const db = failingFirst(1, error);
    await singleUserStrategy.testSecret(context(db.engine), current, pending);
    expect(db.logins()).toBe(2);
  });

  it('gives up after two timeouts, and never retries a refusal', async () => {
    const timingOut = failingFirst(2, new Error('Connection terminated due to connection timeout'));
    await expect(singleUserStrategy.testSecret(context(timingOut.engine), current, pending)).rejects.toThrow(
      '(AWSPENDING: timeout)',
    );
    expect(timingOut.logins()).toBe(2);
    const refusing = failingFirst(
      1,
      Object.assign(new Error('password authentication failed'), { code: '28P01' }),
    );
    await expect(singleUserStrategy.testSecret(context(refusing.engine), current, pending)).rejects.toThrow(
      '(AWSPENDING: 28P01)',
    );
    expect(refusing.logins()).toBe(1);
  });
});

describe('alternating users setSecret', () => {
  const current = secret({ username: 'app', password: 'cur', masterarn: 'arn:m' });
  const pending = secret({ username: 'app_clone', password: 'new', masterarn: 'arn:m' });
  const master = { engine: 'mysql', host: 'db', username: 'admin', password: 'root-pw' };

  it('converges the clone as the master even when the clone already logs in (no early return)', async () => {
    const db = fakeDatabase([
      ['app', 'cur'],
      ['app_clone', 'new'],
      ['admin', 'root-pw'],
    ]);
    await alternatingUsersStrategy.setSecret(
      context(db.engine, { 'arn:m/AWSCURRENT': master }),
      current,
      pending,
    );
    expect(db.events).toEqual(['login app', 'login admin', 'converge app_clone from app']);
  });

  it('refuses a master on another host, and an RDS-managed master with only username and password', async () => {
    const db = fakeDatabase([
      ['app', 'cur'],
      ['admin', 'root-pw'],
    ]);
    await expect(
      alternatingUsersStrategy.setSecret(
        context(db.engine, { 'arn:m/AWSCURRENT': { ...master, host: 'elsewhere' } }),
        current,
        pending,
      ),
    ).rejects.toBeInstanceOf(CredentialMismatchError);
    await expect(
      alternatingUsersStrategy.setSecret(
        context(db.engine, { 'arn:m/AWSCURRENT': { username: 'admin', password: 'root-pw' } }),
        current,
        pending,
      ),
    ).rejects.toThrow(SecretFormatError);
    expect(db.events.some((event) => event.startsWith('converge'))).toBe(false);
  });

  it('refuses a pending user that is not the alternate of the current one', async () => {
    const db = fakeDatabase([]);
    await expect(
      alternatingUsersStrategy.setSecret(
        context(db.engine),
        current,
        secret({ username: 'root', password: 'x' }),
      ),
    ).rejects.toBeInstanceOf(CredentialMismatchError);
    expect(db.events).toEqual([]);
  });
});
