import { readFileSync } from 'node:fs';

/** The variables the AWS Secrets Manager Agent (and the Lambda extension) take the SSRF token from, in order. */
export const AGENT_TOKEN_VARIABLES = [
  'AWS_TOKEN',
  'AWS_SESSION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
] as const;

/**
 * The token as the agent resolves it: the first of `variables` that is set (an empty value counts as set); a
 * `file://` value names a file holding the token, trimmed. Undefined when none is set.
 */
export function resolveAgentToken(
  env: NodeJS.ProcessEnv = process.env,
  variables: readonly string[] = AGENT_TOKEN_VARIABLES,
): string | undefined {
  for (const name of variables) {
    const value = env[name];
    if (value === undefined) continue;
    return value.startsWith('file://') ? readFileSync(value.slice('file://'.length), 'utf8').trim() : value;
  }
  return undefined;
}
