/**
 * IAM-style policy documents for per-client access control:
 * `{"Version": "2012-10-17", "Statement": [{"Effect", "Action", "Resource"}]}` with `*` and `?` wildcards.
 * An explicit Deny wins; without a matching Allow the request is denied (as in IAM).
 *
 * Resources are matched against what is known: before the upstream call, the id the client asked for (a name,
 * a full ARN or a partial ARN); after it, the real ARN and name. An ARN pattern is also compared with a plain name
 * through its name part, so `arn:aws:secretsmanager:*:*:secret:prod/*` denies the secret `prod/db`, and
 * `arn:aws:ssm:*:*:parameter/prod/*` the parameter `/prod/db` (a parameter's ARN drops its name's leading `/`).
 * Which name part applies follows the action: `ssm:` actions are on parameters, `secretsmanager:` ones on secrets.
 */
import { ConfigError } from '../config/errors.js';

export type PolicyAction =
  | 'secretsmanager:GetSecretValue'
  | 'secretsmanager:BatchGetSecretValue'
  | 'ssm:GetParameter';
export type PolicyDecision = 'allow' | 'deny' | 'implicit-deny';

/** What an action reads. */
type ResourceKind = 'secret' | 'parameter';

interface ResourcePattern {
  /** Matches the whole string (a name, or an ARN). */
  readonly whole: RegExp;
  /** For an ARN pattern, what matches a plain name: for secrets, the name part after `:secret:`, with and without
   * the 6-char suffix; for parameters, the part after `:parameter/`, with and without a leading `/`. */
  readonly nameParts: Readonly<Record<ResourceKind, readonly RegExp[]>>;
}

interface Statement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly RegExp[];
  readonly resources: readonly ResourcePattern[];
}

export interface PolicyDocument {
  readonly version: string;
  readonly statements: readonly Statement[];
}

const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'Resource']);
/** The `-AbCdEf` suffix Secrets Manager appends to a secret's name in its ARN. */
const ARN_SUFFIX = /-[A-Za-z0-9]{6}$/;

export function globToRegExp(glob: string, flags = ''): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, `s${flags}`);
}

const PARAMETER_ARN_PART = ':parameter/';

function compileResource(pattern: string): ResourcePattern {
  const secret: RegExp[] = [];
  const parameter: RegExp[] = [];
  const parts = pattern.split(':');
  if (parts[0] === 'arn' && parts.length >= 7 && globToRegExp(parts[5] ?? '').test('secret')) {
    const name = parts.slice(6).join(':');
    secret.push(globToRegExp(name));
    if (name.endsWith('-??????')) secret.push(globToRegExp(name.slice(0, -7)));
  }
  const resource = parts.length >= 6 ? parts.slice(5).join(':') : '';
  if (parts[0] === 'arn' && resource.startsWith('parameter/')) {
    const name = resource.slice('parameter/'.length);
    parameter.push(globToRegExp(name), globToRegExp(`/${name}`));
  } else if (parts[0] === 'arn' && resource === '*') {
    parameter.push(globToRegExp('*'));
  }
  return { whole: globToRegExp(pattern), nameParts: { secret, parameter } };
}

/** A name pattern (no `arn:`) against an ARN: compared with the ARN's name part. */
function arnNameMatches(pattern: ResourcePattern, arn: string, kind: ResourceKind): boolean {
  if (kind === 'parameter') {
    const at = arn.indexOf(PARAMETER_ARN_PART);
    if (at < 0) return false;
    const name = arn.slice(at + PARAMETER_ARN_PART.length);
    return pattern.whole.test(name) || pattern.whole.test(`/${name}`);
  }
  const at = arn.indexOf(':secret:');
  if (at < 0) return false;
  const name = arn.slice(at + 8);
  return pattern.whole.test(name) || pattern.whole.test(name.replace(ARN_SUFFIX, ''));
}

function resourceMatches(pattern: ResourcePattern, candidate: string, kind: ResourceKind): boolean {
  if (pattern.whole.test(candidate)) return true;
  if (candidate.startsWith('arn:')) return arnNameMatches(pattern, candidate, kind);
  return pattern.nameParts[kind].some((part) => part.test(candidate));
}

function statementMatches(
  statement: Statement,
  action: PolicyAction,
  candidates: readonly string[],
): boolean {
  const kind: ResourceKind = action.startsWith('ssm:') ? 'parameter' : 'secret';
  return (
    statement.actions.some((pattern) => pattern.test(action)) &&
    statement.resources.some((pattern) =>
      candidates.some((candidate) => resourceMatches(pattern, candidate, kind)),
    )
  );
}

/** Decide `action` on a secret or parameter known by `candidates` (the requested id or name; or the real ARN and
 * name). */
export function evaluatePolicy(
  policy: PolicyDocument,
  action: PolicyAction,
  candidates: readonly string[],
): PolicyDecision {
  let allowed = false;
  for (const statement of policy.statements) {
    if (!statementMatches(statement, action, candidates)) continue;
    if (statement.effect === 'Deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}

export const ALLOW_ALL: PolicyDocument = {
  version: '2012-10-17',
  statements: [{ effect: 'Allow', actions: [/^.*$/s], resources: [compileResource('*')] }],
};

function stringOrList(value: unknown, file: string, key: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((item) => typeof item === 'string' && item)) {
    throw new ConfigError(file, key, 'must be a non-empty string or a non-empty list of strings');
  }
  return list as string[];
}

/** Validate and compile a policy document (an object, or its JSON text). Errors name the offending field. */
export function parsePolicy(raw: unknown, file: string, key: string): PolicyDocument {
  let doc = raw;
  if (typeof raw === 'string') {
    try {
      doc = JSON.parse(raw);
    } catch (error) {
      throw new ConfigError(file, key, `is not valid JSON (${(error as Error).message})`);
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ConfigError(file, key, 'must be a policy document with Version and Statement');
  }
  const record = doc as Record<string, unknown>;
  for (const name of Object.keys(record)) {
    if (name !== 'Version' && name !== 'Statement' && name !== 'Id') {
      throw new ConfigError(file, `${key}.${name}`, 'unknown policy field (expected Version, Statement)');
    }
  }
  const version = record.Version ?? '2012-10-17';
  if (typeof version !== 'string' || !VERSIONS.has(version)) {
    throw new ConfigError(file, `${key}.Version`, 'must be "2012-10-17"');
  }
  const rawStatements = Array.isArray(record.Statement) ? record.Statement : [record.Statement];
  if (record.Statement === undefined || rawStatements.length === 0) {
    throw new ConfigError(file, `${key}.Statement`, 'must hold at least one statement');
  }
  const statements = rawStatements.map((entry, index): Statement => {
    const at = `${key}.Statement[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new ConfigError(file, at, 'must be an object with Effect, Action and Resource');
    }
    const statement = entry as Record<string, unknown>;
    for (const name of Object.keys(statement)) {
      if (!STATEMENT_KEYS.has(name)) {
        throw new ConfigError(
          file,
          `${at}.${name}`,
          'unsupported statement field (supported: Sid, Effect, Action, Resource)',
        );
      }
    }
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
      throw new ConfigError(file, `${at}.Effect`, 'must be "Allow" or "Deny"');
    }
    const actions = stringOrList(statement.Action, file, `${at}.Action`);
    for (const action of actions) {
      if (!/^(secretsmanager|ssm):[A-Za-z*?]+$/i.test(action) && action !== '*') {
        throw new ConfigError(
          file,
          `${at}.Action`,
          `unsupported action "${action}" (use secretsmanager:GetSecretValue, secretsmanager:BatchGetSecretValue or ssm:GetParameter)`,
        );
      }
    }
    return {
      effect: statement.Effect,
      actions: actions.map((action) => globToRegExp(action, 'i')),
      resources: stringOrList(statement.Resource, file, `${at}.Resource`).map(compileResource),
    };
  });
  return { version, statements };
}
