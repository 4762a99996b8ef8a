import type { GetRandomPasswordCommandInput } from '@aws-sdk/client-secrets-manager';
import type { EngineFamily } from './secret/database-secret.js';

/** AWS's defaults: `/@"'\` everywhere, plus `:` for PostgreSQL, which breaks `.pgpass` (issue #9). */
const DEFAULT_EXCLUDE: Readonly<Record<EngineFamily, string>> = {
  mysql: '/@"\'\\',
  postgres: ':/@"\'\\',
};

/** AWS's functions read booleans this way: true for `true`, `1`, `y`, `yes` in any case. */
function flag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value.trim() === '') return fallback;
  return ['true', '1', 'y', 'yes'].includes(value.trim().toLowerCase());
}

/** The GetRandomPassword request, from the same environment variables and defaults AWS's functions use. */
export function randomPasswordRequest(
  family: EngineFamily,
  env: NodeJS.ProcessEnv = process.env,
): GetRandomPasswordCommandInput {
  const length = Number(env.PASSWORD_LENGTH ?? '32');
  if (!Number.isInteger(length) || length < 1 || length > 4096) {
    throw new RangeError('PASSWORD_LENGTH must be an integer from 1 to 4096');
  }
  return {
    PasswordLength: length,
    ExcludeCharacters: env.EXCLUDE_CHARACTERS ?? DEFAULT_EXCLUDE[family],
    ExcludeNumbers: flag(env.EXCLUDE_NUMBERS, false),
    ExcludePunctuation: flag(env.EXCLUDE_PUNCTUATION, false),
    ExcludeUppercase: flag(env.EXCLUDE_UPPERCASE, false),
    ExcludeLowercase: flag(env.EXCLUDE_LOWERCASE, false),
    RequireEachIncludedType: flag(env.REQUIRE_EACH_INCLUDED_TYPE, true),
  };
}
