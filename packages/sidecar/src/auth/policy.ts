/**
 * IAM-style policy documents for per-client access control:
 * `{"Version": "2012-10-17", "Statement": [{"Effect", "Action", "Resource"}]}` with `*` and `?` wildcards.
 * An explicit Deny wins; without a matching Allow the request is denied (as in IAM).
 *
 * A resource pattern that begins with `arn:` is matched against the resource's ARN only, partition, region and
 * account included; any other pattern against its name only. Once read, a secret's real ARN and name are known
 * (`evaluatePolicy`). Before the read only the id as asked is (a name, a full or a partial ARN), so
 * `evaluateRequest` decides only what every possible answer would decide, and leaves the rest to after the read.
 */
import { ConfigError } from '../config/errors.js';
import { compileGlob, type Glob, globMatchesShape, type Shape } from './glob.js';

export type PolicyAction =
  | 'secretsmanager:GetSecretValue'
  | 'secretsmanager:BatchGetSecretValue'
  | 'ssm:GetParameter'
  | 'sts:AssumeRole';
/** Every action a policy can name (the checks the sidecar makes). */
const ACTIONS: readonly PolicyAction[] = [
  'secretsmanager:GetSecretValue',
  'secretsmanager:BatchGetSecretValue',
  'ssm:GetParameter',
  'sts:AssumeRole',
];
export type PolicyDecision = 'allow' | 'deny' | 'implicit-deny';

/** A resource as the upstream described it. A parameter's ARN may be missing from an answer. */
export interface KnownResource {
  readonly arn: string | undefined;
  readonly name: string;
}

/** What a resource asked for may turn out to be, its unknown parts left open. */
export interface ResourceShape {
  readonly arn: Shape;
  readonly name: Shape;
}

interface ResourcePattern {
  /** Matched against the ARN (the pattern begins with `arn:`), or else against the name. */
  readonly arn: boolean;
  readonly glob: Glob;
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

function compileResource(pattern: string): ResourcePattern {
  return { arn: pattern.startsWith('arn:'), glob: compileGlob(pattern) };
}

function matchesKnown(pattern: ResourcePattern, resource: KnownResource): boolean {
  const subject = pattern.arn ? resource.arn : resource.name;
  return subject !== undefined && pattern.glob.regex.test(subject);
}

function statementApplies(
  statement: Statement,
  action: PolicyAction,
  matches: (pattern: ResourcePattern) => boolean,
) {
  return statement.actions.some((pattern) => pattern.test(action)) && statement.resources.some(matches);
}

/** Decide `action` on a resource whose real ARN and name are known. */
export function evaluatePolicy(
  policy: PolicyDocument,
  action: PolicyAction,
  resource: KnownResource,
): PolicyDecision {
  let allowed = false;
  const matches = (pattern: ResourcePattern) => matchesKnown(pattern, resource);
  for (const statement of policy.statements) {
    if (!statementApplies(statement, action, matches)) continue;
    if (statement.effect === 'Deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}

function matchesShape(pattern: ResourcePattern, shape: ResourceShape, mode: 'possible' | 'certain'): boolean {
  return globMatchesShape(pattern.glob, pattern.arn ? shape.arn : shape.name, mode);
}

/**
 * Decide `action` before the read, on a resource that may be any of `shapes`: `deny` when a Deny matches every
 * possible answer, `implicit-deny` when no Allow matches any, and undefined when only the read can tell.
 */
export function evaluateRequest(
  policy: PolicyDocument,
  action: PolicyAction,
  shapes: readonly ResourceShape[],
): PolicyDecision | undefined {
  const applies = (statement: Statement, mode: 'possible' | 'certain', shape: ResourceShape) =>
    statementApplies(statement, action, (pattern) => matchesShape(pattern, shape, mode));
  const denies = policy.statements.filter((statement) => statement.effect === 'Deny');
  if (shapes.every((shape) => denies.some((statement) => applies(statement, 'certain', shape))))
    return 'deny';
  const allows = policy.statements.filter((statement) => statement.effect === 'Allow');
  if (!shapes.some((shape) => allows.some((statement) => applies(statement, 'possible', shape)))) {
    return 'implicit-deny';
  }
  return undefined;
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
    const actions = stringOrList(statement.Action, file, `${at}.Action`).map((action) => {
      const pattern = compileGlob(action, 'i').regex;
      // An action that matches none the sidecar checks is a typo (or an IAM action with no meaning here).
      if (!ACTIONS.some((known) => pattern.test(known))) {
        throw new ConfigError(
          file,
          `${at}.Action`,
          `unsupported action "${action}" (use ${ACTIONS.slice(0, -1).join(', ')} or ${ACTIONS.at(-1)}, wildcards allowed)`,
        );
      }
      return pattern;
    });
    return {
      effect: statement.Effect,
      actions,
      resources: stringOrList(statement.Resource, file, `${at}.Resource`).map(compileResource),
    };
  });
  return { version, statements };
}
