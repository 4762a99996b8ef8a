/**
 * `GET /systemsmanager/parameters/get?name=…`, the Lambda extension's Parameter Store route: policy, then the
 * parameter cache. A Secrets Manager reference without a selector (`/aws/reference/secretsmanager/<id>`) is read
 * through the SecretsCache, like `/secretsmanager/get`, so a secret has one cache whichever route reads it; with a
 * selector it goes to Parameter Store, which resolves the selector.
 */
import type { CacheLookup } from '@latchkey/sdk';
import { authorizeRequest, authorizeResource, type Denial } from '../../auth/authorize.js';
import { referenceParameter } from '../../auth/resources.js';
import type { ParameterLookup } from '../../upstream/parameters.js';
import { jsonError } from '../bodies/error-body.js';
import { parameterBody, secretReferenceParameter } from '../bodies/parameter-body.js';
import type { Exchange } from '../exchange.js';
import type { ParameterQuery } from '../params.js';

const GET_PARAMETER = 'ssm:GetParameter';
const GET_SECRET = 'secretsmanager:GetSecretValue';
const SECRET_REFERENCE_PREFIX = '/aws/reference/secretsmanager/';
/** What Parameter Store answers to a reference read without decryption. */
const REFERENCE_NEEDS_DECRYPTION = 'WithDecryption flag must be True for retrieving a Secret Manager secret.';

/** Whether no check refused the request; if one did, the request is denied. */
function permitted(exchange: Exchange, denial: Denial | undefined): boolean {
  if (denial === undefined) return true;
  exchange.deny(exchange.client!, denial);
  return false;
}

export function handleParameter(exchange: Exchange, query: ParameterQuery): void {
  const { name } = query;
  const client = exchange.client!;
  exchange.parameter = name;
  exchange.parameterVersion = query.version === undefined ? undefined : String(query.version);
  exchange.parameterLabel = query.label;
  if (!permitted(exchange, authorizeRequest(client, GET_PARAMETER, name))) return;
  // Without an id after the prefix it is no reference: Parameter Store answers that name as it sees fit.
  const secretId =
    name.startsWith(SECRET_REFERENCE_PREFIX) && name.length > SECRET_REFERENCE_PREFIX.length
      ? name.slice(SECRET_REFERENCE_PREFIX.length)
      : undefined;
  if (secretId !== undefined) {
    exchange.secretId = secretId;
    if (!permitted(exchange, authorizeRequest(client, GET_SECRET, secretId))) return;
    if (!query.withDecryption) {
      exchange.errorReply(jsonError(400, 'ValidationException', REFERENCE_NEEDS_DECRYPTION));
      return;
    }
  }
  exchange.decision = 'allow';
  if (secretId !== undefined && query.version === undefined && query.label === undefined) {
    exchange.ctx.readers.primary
      .lookup(secretId)
      .then((found) => answerReference(exchange, name, found))
      .catch((error: unknown) => exchange.fail(error));
    return;
  }
  const selector = query.version ?? query.label;
  exchange.ctx.parameters
    .lookup({
      name: selector === undefined ? name : `${name}:${selector}`,
      withDecryption: query.withDecryption,
    })
    .then((found) => answerParameter(exchange, name, found))
    .catch((error: unknown) => exchange.fail(error));
}

function answerReference(exchange: Exchange, name: string, { value, status }: CacheLookup): void {
  const client = exchange.client!;
  const denial =
    authorizeResource(client, GET_SECRET, value) ??
    authorizeResource(client, GET_PARAMETER, referenceParameter(name, value.arn));
  if (!permitted(exchange, denial)) return;
  exchange.json(200, parameterBody(secretReferenceParameter(name, value)), status);
}

function answerParameter(exchange: Exchange, name: string, { parameter, status }: ParameterLookup): void {
  const resource = { arn: parameter.ARN, name: parameter.Name ?? name };
  if (!permitted(exchange, authorizeResource(exchange.client!, GET_PARAMETER, resource))) return;
  exchange.json(200, parameterBody(parameter), status);
}
