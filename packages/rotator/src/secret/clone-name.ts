import { SecretFormatError } from '../errors.js';

export const CLONE_SUFFIX = '_clone';

/** A user-name length limit and how the server counts it. */
export interface NameLimit {
  readonly max: number;
  readonly unit: 'characters' | 'bytes';
}

/**
 * The server's limit for a user name. AWS's MySQL function defaults to 16 (the MySQL 5.6 limit, issue #110);
 * MySQL 5.7 and later allow 32 characters, MariaDB 80, PostgreSQL 63 bytes (NAMEDATALEN - 1).
 * `USERNAME_CHARACTER_LIMIT` overrides the MySQL limit, as it does for AWS's function.
 */
export function userNameLimit(engine: string | undefined, env: NodeJS.ProcessEnv = process.env): NameLimit {
  if (engine === 'postgres' || engine === 'aurora-postgresql') return { max: 63, unit: 'bytes' };
  if (engine === 'mariadb') return { max: 80, unit: 'characters' };
  const override = Number(env.USERNAME_CHARACTER_LIMIT);
  return { max: Number.isInteger(override) && override > 0 ? override : 32, unit: 'characters' };
}

function measure(name: string, unit: NameLimit['unit']): number {
  return unit === 'bytes' ? Buffer.byteLength(name, 'utf8') : [...name].length;
}

/**
 * AWS's alternating-user naming: `name` becomes `name_clone` and `name_clone` becomes `name`, so a secret rotated
 * by AWS's functions keeps alternating between the same two users with ours.
 */
export function alternateUserName(name: string, limit: NameLimit, secretId: string): string {
  if (name.endsWith(CLONE_SUFFIX) && name.length > CLONE_SUFFIX.length) {
    return name.slice(0, -CLONE_SUFFIX.length);
  }
  const clone = `${name}${CLONE_SUFFIX}`;
  if (measure(clone, limit.unit) > limit.max) {
    throw new SecretFormatError(
      `secret ${secretId}: unable to clone user, user name length with ${CLONE_SUFFIX} appended would exceed ${limit.max} ${limit.unit}`,
      { secretId, key: 'username' },
    );
  }
  return clone;
}
