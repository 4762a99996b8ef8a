import { CredentialMismatchError, LoginError, SecretFormatError } from '../errors.js';
import { readDatabaseSecret } from '../protocol/read-secret.js';
import { AWSPREVIOUS } from '../protocol/secret-store.js';
import type { DatabaseSecret } from '../secret/database-secret.js';
import { credentialsOf, tryLogin, using } from './login.js';
import type { RotationStrategy, StepContext } from './strategy.js';

function sameAccount(a: DatabaseSecret, b: DatabaseSecret): boolean {
  return a.username === b.username && a.host === b.host;
}

/** AWSPREVIOUS, or undefined when there is none or it is not a valid secret (as AWS's function treats it). */
async function readPrevious(context: StepContext): Promise<DatabaseSecret | undefined> {
  try {
    return await readDatabaseSecret(context, context.secretId, { stage: AWSPREVIOUS });
  } catch (error) {
    if (error instanceof SecretFormatError) return undefined;
    throw error;
  }
}

/** The user changes its own password: no second user, no master secret. */
export const singleUserStrategy: RotationStrategy = {
  name: 'single-user',

  pendingUserName(_context, current) {
    return current.username;
  },

  async setSecret(context, current, pending) {
    // A retry after the password was changed: the pending credentials already work.
    const pendingLogin = await tryLogin(context, credentialsOf(pending), 'AWSPENDING');
    if (pendingLogin.session) {
      await pendingLogin.session.close();
      context.logger.info({ username: pending.username }, 'setSecret: the pending password is already set');
      return;
    }
    if (!sameAccount(current, pending)) {
      throw new CredentialMismatchError(
        `secret ${context.secretId}: the AWSCURRENT and AWSPENDING versions name different users or hosts`,
        { secretId: context.secretId },
      );
    }
    const failures: string[] = [pendingLogin.failure];
    let login = await tryLogin(context, credentialsOf(current), 'AWSCURRENT');
    if (!login.session) {
      failures.push(login.failure);
      // Checked before logging in with it (AWS's function checks after, defect 4 in rotation.md).
      const previous = await readPrevious(context);
      if (previous && sameAccount(previous, pending)) {
        login = await tryLogin(context, credentialsOf(previous, { tls: current.tls }), 'AWSPREVIOUS');
        if (login.failure !== undefined) failures.push(login.failure);
      } else if (previous) {
        context.logger.warn('setSecret: AWSPREVIOUS names a different user or host; not trying it');
      }
    }
    if (!login.session) {
      throw new LoginError(
        `secret ${context.secretId}: unable to log into the database with the pending, current or previous secret (${failures.join('; ')})`,
        { secretId: context.secretId },
      );
    }
    await using(login.session, (s) => s.changeOwnPassword(pending.password));
    context.logger.info({ username: pending.username, host: pending.host }, 'setSecret: password changed');
  },

  async testSecret(context, _current, pending) {
    const { session, failure } = await tryLogin(context, credentialsOf(pending), 'AWSPENDING');
    if (!session) {
      throw new LoginError(
        `secret ${context.secretId}: unable to log into the database with the pending secret (${failure})`,
        { secretId: context.secretId },
      );
    }
    await using(session, (s) => s.ping());
  },
};
