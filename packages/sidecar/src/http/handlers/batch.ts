/**
 * `GET /secretsmanager/batch?secretId=a&secretId=b` (Latchkey only): up to 20 secrets through the cache's
 * BatchGetSecretValue prefetch. The body mirrors the BatchGetSecretValue API: `SecretValues` (each in the agent's
 * single-secret shape) and `Errors` (`SecretId`, `ErrorCode`, `Message`), so one failure does not fail the rest.
 * Each secret needs both secretsmanager:BatchGetSecretValue and secretsmanager:GetSecretValue, as in AWS.
 */
import type { SecretValue } from '@latchkey/sdk';
import {
  authorizeRequest,
  authorizeResource,
  authorizeRole,
  type Denial,
  denialMessage,
} from '../../auth/authorize.js';
import type { Client } from '../../auth/clients.js';
import type { KnownResource, PolicyAction } from '../../auth/policy.js';
import { classifyError } from '../bodies/error-body.js';
import { secretBodyObject } from '../bodies/secret-body.js';
import type { Exchange } from '../exchange.js';
import type { BatchQuery } from '../params.js';

const ACTIONS: readonly PolicyAction[] = [
  'secretsmanager:BatchGetSecretValue',
  'secretsmanager:GetSecretValue',
];

interface BatchError {
  readonly SecretId: string;
  readonly ErrorCode: string;
  readonly Message: string;
}

/** The first action of the two the client may not take, before the read (on the id as asked) or after it. */
function denied(client: Client, resource: string | KnownResource): Denial | undefined {
  for (const action of ACTIONS) {
    const denial =
      typeof resource === 'string'
        ? authorizeRequest(client, action, resource)
        : authorizeResource(client, action, resource);
    if (denial !== undefined) return denial;
  }
  return undefined;
}

function deniedError(client: Client, secretId: string, denial: Denial): BatchError {
  return { SecretId: secretId, ErrorCode: 'AccessDeniedException', Message: denialMessage(client, denial) };
}

export function handleBatch(exchange: Exchange, query: BatchQuery): void {
  const client = exchange.client!;
  exchange.secretId = query.secretIds;
  exchange.roleArn = query.roleArn;
  const roleDenial = authorizeRole(client, query.roleArn);
  if (roleDenial !== undefined) {
    exchange.deny(client, roleDenial);
    return;
  }
  const errors: BatchError[] = [];
  const allowed: string[] = [];
  for (const secretId of query.secretIds) {
    const denial = denied(client, secretId);
    if (denial === undefined) allowed.push(secretId);
    else errors.push(deniedError(client, secretId, denial));
  }
  exchange.decision = allowed.length > 0 ? 'allow' : 'deny';
  const { ctx } = exchange;
  const fetched =
    allowed.length === 0
      ? Promise.resolve([])
      : ctx.readers.forRole(query.roleArn, client.name).prefetch(allowed);
  fetched.then(
    (items) => {
      const values: SecretValue[] = [];
      for (const item of items) {
        if (item.value === undefined) {
          const shape = classifyError(item.error);
          errors.push({ SecretId: item.secretId, ErrorCode: shape.type, Message: shape.message ?? '' });
          continue;
        }
        const denial = denied(client, item.value);
        if (denial === undefined) values.push(item.value);
        else errors.push(deniedError(client, item.secretId, denial));
      }
      const body = {
        SecretValues: values.map((value) => secretBodyObject(value, ctx.renderer.format)),
        Errors: errors,
      };
      exchange.json(200, JSON.stringify(body));
    },
    (error: unknown) => exchange.fail(error),
  );
}
