import { AwsError } from '../errors.js';
import type { Input } from '../secretsmanager/input.js';
import type { Account } from '../secretsmanager/store.js';
import { ssmValidation } from './errors.js';

/** Parameter names, parameter ARNs and the `name:version` / `name:label` selectors of GetParameter(s). */

const NAME_CHARACTERS = /^[a-zA-Z0-9_.\-/]+$/;
/** Reserved for AWS's own parameters (`/aws/service/...`, `/aws/reference/...`), with or without a leading slash. */
const RESERVED_PREFIX = /^\/?(aws|ssm)/i;
const MAX_HIERARCHY_LEVELS = 15;
const PARAMETER_ARN = /^arn:([\w-]+):ssm:([\w-]*):(\d{12}):parameter\/(.+)$/;

export const readParameterName = (input: Input, name = 'Name') =>
  input.requiredString(name, { min: 1, max: 2048 });

/** The Name of a PutParameter, with every rule AWS applies to the name of a new parameter. */
export function readNewParameterName(input: Input): string {
  const name = readParameterName(input);
  const invalid = (why: string) => ssmValidation(`Name ${JSON.stringify(name)} is invalid: ${why}`);
  if (!NAME_CHARACTERS.test(name)) {
    throw invalid('a parameter name may contain only letters, digits and the symbols _ . - /.');
  }
  if (name.includes('/') && !name.startsWith('/')) {
    throw invalid('a name that contains / must be fully qualified, beginning with /.');
  }
  if (name.startsWith('/') && name.slice(1).split('/').includes('')) {
    throw invalid('each level of a hierarchical name (between two /) must be non-empty.');
  }
  if (RESERVED_PREFIX.test(name)) {
    throw invalid(
      'a parameter name can\'t begin with "aws" or "ssm" (case-insensitive), after an optional /.',
    );
  }
  const levels = name.startsWith('/') ? name.split('/').length - 1 : 1;
  if (levels > MAX_HIERARCHY_LEVELS) {
    throw new AwsError(
      'HierarchyLevelLimitExceededException',
      `Name ${name} has ${levels} levels; a parameter hierarchy can have at most ${MAX_HIERARCHY_LEVELS}.`,
    );
  }
  return name;
}

/** What GetParameter(s) asks for: a parameter, and optionally one of its versions or labels. */
export interface ParameterRequest {
  name: string;
  /** As the response echoes it: `:3` or `:prod`. */
  selector?: string;
  version?: number;
  label?: string;
}

/**
 * Reads `name`, `name:selector`, or a parameter ARN (`arn:aws:ssm:<region>:<account>:parameter/a/b` is `/a/b`,
 * `...:parameter/x` is `x`), optionally with a selector. Undefined for an ARN of another account or region, which
 * names no parameter here. Parameter names contain no colon, so the first one after the name starts the selector.
 */
export function parseParameterRequest(requested: string, account: Account): ParameterRequest | undefined {
  let path = requested;
  const arn = PARAMETER_ARN.exec(requested);
  if (arn) {
    const [, partition, region, accountId, resource] = arn;
    if (partition !== account.partition || region !== account.region || accountId !== account.accountId) {
      return undefined;
    }
    path = resource!.split(':', 1)[0]!.includes('/') ? `/${resource}` : resource!;
  }
  const colon = path.indexOf(':');
  if (colon < 0) return { name: path };
  const name = path.slice(0, colon);
  const selected = path.slice(colon + 1);
  if (name === '' || selected === '') {
    throw ssmValidation(
      `Name ${JSON.stringify(requested)} is invalid: a selector is written name:version or name:label.`,
    );
  }
  const selector = `:${selected}`;
  return /^\d+$/.test(selected)
    ? { name, selector, version: Number(selected) }
    : { name, selector, label: selected };
}
