import { parseJsonText } from '@latchkey/sdk/db';
import { CredentialMismatchError, LoginError, SecretFormatError } from '../errors.js';
import { AWSCURRENT } from '../protocol/secret-store.js';
import { alternateUserName, userNameLimit } from '../secret/clone-name.js';
import { type DatabaseSecret, parseDatabaseSecret } from '../secret/database-secret.js';
import { credentialsOf, tryLogin, using } from './login.js';
import type { RotationStrategy, StepContext } from './strategy.js';

/**
 * The master secret at AWSCURRENT. It must say where the database is: an RDS-managed secret holds only
 * `username` and `password`, and we do not guess the endpoint from RDS tags.
 */
async function readMaster(context: StepContext, current: DatabaseSecret): Promise<DatabaseSecret> {
  const masterArn = current.masterarn;
  if (masterArn === undefined) {
    throw new SecretFormatError(`secret ${context.secretId}: missing key 'masterarn' (alternating users)`, {
      secretId: context.secretId,
      key: 'masterarn',
    });
  }
  const raw = await context.store.getString(masterArn, { stage: AWSCURRENT });
  if (raw === undefined) {
    throw new SecretFormatError(`master secret ${masterArn} has no AWSCURRENT value`, {
      secretId: masterArn,
    });
  }
  const keys = (() => {
    try {
      return Object.keys(parseJsonText(raw, `master secret ${masterArn}`) as object);
    } catch {
      return []; // parseDatabaseSecret below reports it
    }
  })();
  if (keys.length > 0 && keys.every((key) => key === 'username' || key === 'password')) {
    throw new SecretFormatError(
      `master secret ${masterArn} holds only username and password (an RDS-managed secret): it needs 'host' (and 'port' and 'engine' when not the defaults) to be used as the master of ${context.secretId}`,
      { secretId: masterArn, key: 'host' },
    );
  }
  const master = parseDatabaseSecret(raw, {
    family: context.family,
    secretId: masterArn,
    version: AWSCURRENT,
  });
  if (master.host !== current.host) {
    throw new CredentialMismatchError(
      `master secret ${masterArn} names a different host than secret ${context.secretId}`,
      { secretId: context.secretId },
    );
  }
  return master;
}

async function loginOrFail(
  context: StepContext,
  secret: DatabaseSecret,
  label: string,
  overrides: { dbname?: string | undefined } = {},
) {
  const { session, failure } = await tryLogin(context, credentialsOf(secret, overrides), label);
  if (!session) {
    throw new LoginError(
      `secret ${context.secretId}: unable to log into the database with the ${label} credentials (${failure})`,
      { secretId: context.secretId },
    );
  }
  return session;
}

function alternateOf(context: StepContext, current: DatabaseSecret): string {
  return alternateUserName(current.username, userNameLimit(current.engine, context.env), context.secretId);
}

/**
 * Two users, `name` and `name_clone`, take turns: each rotation gives the inactive one a new password, so the
 * AWSCURRENT and AWSPREVIOUS credentials both keep working. The master secret creates the clone and keeps its
 * privileges equal to the current user's on every run.
 */
export const alternatingUsersStrategy: RotationStrategy = {
  name: 'alternating-users',

  pendingUserName: alternateOf,

  async setSecret(context, current, pending) {
    if (pending.username !== alternateOf(context, current) || pending.host !== current.host) {
      throw new CredentialMismatchError(
        `secret ${context.secretId}: the AWSPENDING user or host is not the alternate of the AWSCURRENT one`,
        { secretId: context.secretId },
      );
    }
    // The current credentials must work (the confused-deputy guard), and tell us the account in use (its host).
    const source = await using(await loginOrFail(context, current, 'AWSCURRENT'), (s) => s.account());
    const master = await readMaster(context, current);
    const masterSession = await loginOrFail(context, master, 'master', { dbname: current.dbname });
    // No early return when the pending user already logs in: a clone left without its grants by a crash must
    // get them now (AWS's function promotes it as it is, defect 1 in rotation.md).
    await using(masterSession, (s) =>
      s.convergeClone(source, { username: pending.username, password: pending.password }),
    );
    context.logger.info(
      { username: pending.username, host: source.host ?? pending.host, from: source.username },
      'setSecret: alternate user converged on the current user privileges and password set',
    );
  },

  async testSecret(context, current, pending) {
    const pendingSession = await loginOrFail(context, pending, 'AWSPENDING');
    await using(pendingSession, async (candidate) => {
      await candidate.ping();
      const currentSession = await loginOrFail(context, current, 'AWSCURRENT');
      await using(currentSession, (reference) => candidate.assertSamePrivilegesAs(reference));
    });
  },
};
