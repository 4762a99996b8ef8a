/**
 * The policy check every route makes: before the read, on the id as asked (refused there only when no answer could
 * be allowed, or every answer would be denied), and after it, on the real ARN and name; and a `roleArn`, which a
 * client may use only where its policy allows `sts:AssumeRole` on that role. The default client is allowed
 * everything; its checks return at once, with nothing allocated.
 */
import type { Client } from './clients.js';
import { evaluatePolicy, evaluateRequest, type KnownResource, type PolicyAction } from './policy.js';
import { parameterShapes, roleResource, secretShapes } from './resources.js';

/** Why a request is refused: the action, and the resource as the denial names it. */
export interface Denial {
  readonly action: PolicyAction;
  readonly resource: string;
}

export function denialMessage(client: Client, denial: Denial): string {
  return `Client ${client.name} is not authorized to perform ${denial.action} on resource ${denial.resource}`;
}

/** Before the read, on `requested` as asked: a secret's name, full or partial ARN, or a parameter's name or ARN (for
 * `ssm:` actions). */
export function authorizeRequest(
  client: Client,
  action: PolicyAction,
  requested: string,
): Denial | undefined {
  if (client.allowAll) return undefined;
  const shapes = action.startsWith('ssm:') ? parameterShapes(requested) : secretShapes(requested);
  return evaluateRequest(client.policy, action, shapes) === undefined
    ? undefined
    : { action, resource: requested };
}

/** On a resource whose real ARN and name are known: after a read, or a role to assume. A denial names the ARN
 * (the name, when an answer carried no ARN). */
export function authorizeResource(
  client: Client,
  action: PolicyAction,
  resource: KnownResource,
): Denial | undefined {
  if (client.allowAll || evaluatePolicy(client.policy, action, resource) === 'allow') return undefined;
  return { action, resource: resource.arn ?? resource.name };
}

/** Before assuming `roleArn` for the client (no role: nothing to check). */
export function authorizeRole(client: Client, roleArn: string | undefined): Denial | undefined {
  if (roleArn === undefined || client.allowAll) return undefined;
  return authorizeResource(client, 'sts:AssumeRole', roleResource(roleArn));
}
