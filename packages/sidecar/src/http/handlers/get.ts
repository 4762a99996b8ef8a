/** `GET /secretsmanager/get?secretId=…` and `GET <prefix><id>`: policy, then the cache, then the prepared body. */
import type { CacheLookup } from '@latchkey/sdk';
import { authorizeRequest, authorizeResource, authorizeRole } from '../../auth/authorize.js';
import type { Exchange } from '../exchange.js';
import type { SecretQuery } from '../params.js';

const ACTION = 'secretsmanager:GetSecretValue';

/** No options object for a plain read: the cache's fastest path. */
function lookupOptions(query: SecretQuery) {
  if (query.versionId === undefined && query.versionStage === undefined && !query.refreshNow)
    return undefined;
  return { versionId: query.versionId, versionStage: query.versionStage, forceRefresh: query.refreshNow };
}

export function handleGet(exchange: Exchange, query: SecretQuery): void {
  exchange.secretId = query.secretId;
  exchange.versionId = query.versionId;
  exchange.versionStage = query.versionStage;
  exchange.roleArn = query.roleArn;
  const client = exchange.client!;
  const denial = authorizeRole(client, query.roleArn) ?? authorizeRequest(client, ACTION, query.secretId);
  if (denial !== undefined) {
    exchange.deny(client, denial);
    return;
  }
  exchange.decision = 'allow';
  const reader = exchange.ctx.readers.forRole(query.roleArn, client.name);
  const options = lookupOptions(query);
  // A warm hit is answered right away; only a read that goes upstream waits on a promise.
  const warm = reader.peek(query.secretId, options);
  if (warm !== undefined) {
    answer(exchange, warm);
    return;
  }
  reader
    .lookup(query.secretId, options)
    .then((found) => answer(exchange, found))
    .catch((error: unknown) => exchange.fail(error));
}

function answer(exchange: Exchange, { value, status }: CacheLookup): void {
  const client = exchange.client!;
  const denial = authorizeResource(client, ACTION, value);
  if (denial !== undefined) {
    exchange.deny(client, denial);
  } else {
    exchange.json(200, exchange.ctx.renderer.render(value), status);
  }
}
