/**
 * `GET /systemsmanager/parameters/get?name=…`, the Lambda extension's Parameter Store route: policy, then the
 * parameter cache. A Secrets Manager reference without a selector (`/aws/reference/secretsmanager/<id>`) is read
 * through the SecretsCache, like `/secretsmanager/get`, so a secret has one cache whichever route reads it; with a
 * selector it goes to Parameter Store, which resolves the selector.
 */
import type { CacheLookup } from '@latchkey/sdk';
import type { RouteSubject } from '../../audit/audit-line.js';
import { authorizeRequest, authorizeResource } from '../../auth/authorize.js';
import type { Client } from '../../auth/clients.js';
import { referenceParameter } from '../../auth/resources.js';
import type { ParameterLookup } from '../../upstream/parameters.js';
import { parameterBody, secretReferenceParameter } from '../bodies/parameter-body.js';
import type { HandlerContext } from '../context.js';
import type { ParameterQuery } from '../params.js';
import { deniedReply, errorJsonReply, jsonReply, type Reply } from '../reply.js';

const GET_PARAMETER = 'ssm:GetParameter';
const GET_SECRET = 'secretsmanager:GetSecretValue';
const SECRET_REFERENCE_PREFIX = '/aws/reference/secretsmanager/';
/** What Parameter Store answers to a reference read without decryption. */
const REFERENCE_NEEDS_DECRYPTION = 'WithDecryption flag must be True for retrieving a Secret Manager secret.';

/** The secret a Secrets Manager reference names; undefined for any other name. Without an id after the prefix it is
 * no reference: Parameter Store answers that name as it sees fit. */
function referencedSecret(name: string): string | undefined {
  return name.startsWith(SECRET_REFERENCE_PREFIX) && name.length > SECRET_REFERENCE_PREFIX.length
    ? name.slice(SECRET_REFERENCE_PREFIX.length)
    : undefined;
}

/** What the audit line records of the request: the parameter, its selector, and a reference's secret. */
export function parameterSubject(
  query: ParameterQuery,
): RouteSubject<'parameter' | 'version' | 'label' | 'secret_id'> {
  return {
    parameter: query.name,
    version: query.version === undefined ? undefined : String(query.version),
    label: query.label,
    secret_id: referencedSecret(query.name),
  };
}

export function handleParameter(
  ctx: HandlerContext,
  client: Client,
  query: ParameterQuery,
): Reply | Promise<Reply> {
  const { name } = query;
  const denial = authorizeRequest(client, GET_PARAMETER, name);
  if (denial !== undefined) return deniedReply(client, denial);
  const secretId = referencedSecret(name);
  if (secretId !== undefined) {
    const secretDenial = authorizeRequest(client, GET_SECRET, secretId);
    if (secretDenial !== undefined) return deniedReply(client, secretDenial);
    if (!query.withDecryption)
      return errorJsonReply(400, 'ValidationException', REFERENCE_NEEDS_DECRYPTION, 'reject');
  }
  if (secretId !== undefined && query.version === undefined && query.label === undefined) {
    return ctx.readers.primary.lookup(secretId).then((found) => answerReference(client, name, found));
  }
  const selector = query.version ?? query.label;
  return ctx.parameters
    .lookup({
      name: selector === undefined ? name : `${name}:${selector}`,
      withDecryption: query.withDecryption,
    })
    .then((found) => answerParameter(client, name, found));
}

function answerReference(client: Client, name: string, { value, status }: CacheLookup): Reply {
  const denial =
    authorizeResource(client, GET_SECRET, value) ??
    authorizeResource(client, GET_PARAMETER, referenceParameter(name, value.arn));
  if (denial !== undefined) return deniedReply(client, denial);
  return jsonReply(200, parameterBody(secretReferenceParameter(name, value)), status);
}

function answerParameter(client: Client, name: string, { parameter, status }: ParameterLookup): Reply {
  const resource = { arn: parameter.ARN, name: parameter.Name ?? name };
  const denial = authorizeResource(client, GET_PARAMETER, resource);
  if (denial !== undefined) return deniedReply(client, denial);
  return jsonReply(200, parameterBody(parameter), status);
}
