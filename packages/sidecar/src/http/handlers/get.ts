/** `GET /secretsmanager/get?secretId=…` and `GET <prefix><id>`: policy, then the cache, then the prepared body. */
import type { CacheLookup } from '@latchkey/sdk';
import type { RouteSubject } from '../../audit/audit-line.js';
import { authorizeRequest, authorizeResource, authorizeRole } from '../../auth/authorize.js';
import type { Client } from '../../auth/clients.js';
import type { HandlerContext } from '../context.js';
import type { SecretQuery } from '../params.js';
import { deniedReply, type Reply, renderedReply } from '../reply.js';

const ACTION = 'secretsmanager:GetSecretValue';

/** What the audit line records of the request. */
export function getSubject(
  query: SecretQuery,
): RouteSubject<'secret_id' | 'version_id' | 'version_stage' | 'role_arn'> {
  return {
    secret_id: query.secretId,
    version_id: query.versionId,
    version_stage: query.versionStage,
    role_arn: query.roleArn,
  };
}

/** No options object for a plain read: the cache's fastest path. */
function lookupOptions(query: SecretQuery) {
  if (query.versionId === undefined && query.versionStage === undefined && !query.refreshNow)
    return undefined;
  return { versionId: query.versionId, versionStage: query.versionStage, forceRefresh: query.refreshNow };
}

export function handleGet(ctx: HandlerContext, client: Client, query: SecretQuery): Reply | Promise<Reply> {
  const denial = authorizeRole(client, query.roleArn) ?? authorizeRequest(client, ACTION, query.secretId);
  if (denial !== undefined) return deniedReply(client, denial);
  const reader = ctx.readers.forRole(query.roleArn, client.name);
  const options = lookupOptions(query);
  // A warm hit is answered right away; only a read that goes upstream waits on a promise.
  const warm = reader.peek(query.secretId, options);
  if (warm !== undefined) return answer(ctx, client, warm);
  return reader.lookup(query.secretId, options).then((found) => answer(ctx, client, found));
}

function answer(ctx: HandlerContext, client: Client, { value, status }: CacheLookup): Reply {
  const denial = authorizeResource(client, ACTION, value);
  return denial !== undefined
    ? deniedReply(client, denial)
    : renderedReply(ctx.renderer.render(value), status);
}
