/**
 * `GET /secretsmanager/batch?secretId=a&secretId=b` (Latchkey only): up to 20 secrets through the cache's
 * BatchGetSecretValue prefetch. The body mirrors the BatchGetSecretValue API: `SecretValues` (each in the agent's
 * single-secret shape) and `Errors` (`SecretId`, `ErrorCode`, `Message`), so one failure does not fail the rest.
 * Each secret needs both secretsmanager:BatchGetSecretValue and secretsmanager:GetSecretValue, as in AWS.
 */
import type { SecretValue } from '@latchkey/sdk';
import type { RouteSubject } from '../../audit/audit-line.js';
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
import type { HandlerContext } from '../context.js';
import type { BatchQuery } from '../params.js';
import { deniedReply, jsonReply, type Reply } from '../reply.js';

const ACTIONS: readonly PolicyAction[] = [
  'secretsmanager:BatchGetSecretValue',
  'secretsmanager:GetSecretValue',
];

interface BatchError {
  readonly SecretId: string;
  readonly ErrorCode: string;
  readonly Message: string;
}

/** What the audit line records of the request. */
export function batchSubject(query: BatchQuery): RouteSubject<'secret_id' | 'role_arn'> {
  return { secret_id: query.secretIds, role_arn: query.roleArn };
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

export function handleBatch(ctx: HandlerContext, client: Client, query: BatchQuery): Reply | Promise<Reply> {
  const roleDenial = authorizeRole(client, query.roleArn);
  if (roleDenial !== undefined) return deniedReply(client, roleDenial);
  const errors: BatchError[] = [];
  const allowed: string[] = [];
  for (const secretId of query.secretIds) {
    const denial = denied(client, secretId);
    if (denial === undefined) allowed.push(secretId);
    else errors.push(deniedError(client, secretId, denial));
  }
  // Every id refused: a 200 listing the refusals, as BatchGetSecretValue answers; the request itself was denied.
  if (allowed.length === 0) return batchReply(ctx, [], errors, 'deny');
  return ctx.readers
    .forRole(query.roleArn, client.name)
    .prefetch(allowed)
    .then((items) => {
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
      return batchReply(ctx, values, errors, 'allow');
    });
}

function batchReply(
  ctx: HandlerContext,
  values: readonly SecretValue[],
  errors: readonly BatchError[],
  decision: Reply['decision'],
): Reply {
  const body = {
    SecretValues: values.map((value) => secretBodyObject(value, ctx.renderer.format)),
    Errors: errors,
  };
  return jsonReply(200, JSON.stringify(body), undefined, decision);
}
