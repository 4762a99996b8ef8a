/**
 * What the resource a request names may turn out to be, and the resources a read reveals, in the terms policies
 * match: an ARN and a name.
 */
import { ANY_ALNUM, ANY_FIELD, type Shape } from './glob.js';
import type { KnownResource, ResourceShape } from './policy.js';

/** `arn:<partition>:secretsmanager:<region>:<account>:secret:<rest>`. */
const SECRET_ARN = /^arn:[^:]+:secretsmanager:[^:]+:[^:]+:secret:(.+)$/;
/** The `-AbCdEf` Secrets Manager appends to a secret's name in its ARN. */
const ARN_SUFFIX = /-[A-Za-z0-9]{6}$/;
const SUFFIX: Shape = ['-', ANY_ALNUM, ANY_ALNUM, ANY_ALNUM, ANY_ALNUM, ANY_ALNUM, ANY_ALNUM];
/** `arn:<partition>:ssm:<region>:<account>:parameter/<name without its leading />`. */
const PARAMETER_ARN = /^arn:[^:]+:ssm:[^:]*:[^:]+:parameter\/(.+)$/;

/** An ARN of `service` in a partition, region and account the read will tell. */
function arnShape(service: string, resource: string): Shape {
  return ['arn:', ANY_FIELD, `:${service}:`, ANY_FIELD, ':', ANY_FIELD, `:${resource}`];
}

/**
 * A secret asked for by `secretId`. A name is the real name, in an ARN with a random suffix; a full ARN is the real
 * ARN; a partial ARN (without the suffix) names the secret and leaves the suffix open. An ARN whose name ends like
 * a suffix may be either of the last two.
 */
export function secretShapes(secretId: string): ResourceShape[] {
  const arn = SECRET_ARN.exec(secretId);
  if (arn === null)
    return [{ arn: [...arnShape('secretsmanager', `secret:${secretId}`), ...SUFFIX], name: [secretId] }];
  const name = arn[1] as string;
  const shapes: ResourceShape[] = [{ arn: [secretId, ...SUFFIX], name: [name] }];
  if (ARN_SUFFIX.test(name)) shapes.push({ arn: [secretId], name: [name.replace(ARN_SUFFIX, '')] });
  return shapes;
}

/** A parameter asked for by `name`, or by its ARN (whose name part drops a hierarchical name's leading `/`). */
export function parameterShapes(name: string): ResourceShape[] {
  const arn = PARAMETER_ARN.exec(name);
  if (arn === null) return [{ arn: arnShape('ssm', `parameter/${name.replace(/^\//, '')}`), name: [name] }];
  const rest = arn[1] as string;
  return [
    { arn: [name], name: [`/${rest}`] },
    { arn: [name], name: [rest] },
  ];
}

/** The Parameter Store reference `name` (`/aws/reference/secretsmanager/<id>`) to the secret `secretArn`: its ARN is
 * in the secret's partition, region and account. */
export function referenceParameter(name: string, secretArn: string): KnownResource {
  const [, partition, , region, account] = secretArn.split(':');
  return { arn: `arn:${partition}:ssm:${region}:${account}:parameter${name}`, name };
}

/** A role to assume: its ARN, and its name (after the last `/`). */
export function roleResource(roleArn: string): KnownResource {
  return { arn: roleArn, name: roleArn.slice(roleArn.lastIndexOf('/') + 1) };
}
