import { AwsError } from '../errors.js';
import type { OperationResult } from '../secretsmanager/context.js';
import type { Secret } from '../secretsmanager/model.js';
import { readSecretVersion, secretValueMembers, type VersionSelector } from '../secretsmanager/versions.js';
import type { SsmContext } from './context.js';
import { parameterNotFound, parameterVersionNotFound, ssmValidation } from './errors.js';

/**
 * `/aws/reference/secretsmanager/<secret id>[:<stage or version id>]`: Parameter Store reading a Secrets Manager
 * secret of the same account, as AWS documents it for GetParameter and GetParameters. The secret comes from the
 * emulator's own store with the same rules as GetSecretValue (a secret scheduled for deletion cannot be read).
 */

export const SECRET_REFERENCE_PREFIX = '/aws/reference/secretsmanager/';

/** A secret ARN has six colons of its own; a colon after them, or after a secret name, starts the selector. */
const ARN_COLONS = 6;

export const isSecretReference = (requested: string) => requested.startsWith(SECRET_REFERENCE_PREFIX);

function splitReference(requested: string): { name: string; secretId: string; selected?: string } {
  const rest = requested.slice(SECRET_REFERENCE_PREFIX.length);
  const parts = rest.split(':');
  const idParts = rest.startsWith('arn:') ? ARN_COLONS + 1 : 1;
  const secretId = parts.slice(0, idParts).join(':');
  const selected = parts.length > idParts ? parts.slice(idParts).join(':') : undefined;
  return { name: SECRET_REFERENCE_PREFIX + secretId, secretId, selected };
}

function findSecret(context: SsmContext, secretId: string): Secret | undefined {
  try {
    const secret = context.secrets.lookup(secretId);
    return secret?.deletedAt === undefined ? secret : undefined;
  } catch (error) {
    // A malformed secret ARN names no secret; Parameter Store answers that as a missing parameter.
    if (error instanceof AwsError) return undefined;
    throw error;
  }
}

/** The selector names a staging label when the secret has a version with it, and otherwise a version id. */
function versionSelector(secret: Secret, selected: string | undefined): VersionSelector {
  if (selected === undefined) return {};
  return secret.versions.some((version) => version.stages.includes(selected))
    ? { versionStage: selected }
    : { versionId: selected };
}

/** The Parameter member of GetParameter for a secret reference. WithDecryption must be true, as on AWS. */
export function readSecretReference(
  context: SsmContext,
  requested: string,
  withDecryption: boolean,
): OperationResult {
  if (!withDecryption) {
    throw ssmValidation('WithDecryption flag must be True for retrieving a Secret Manager secret.');
  }
  const { name, secretId, selected } = splitReference(requested);
  const selector = selected === undefined ? undefined : `:${selected}`;
  const secret = findSecret(context, secretId);
  if (!secret) throw parameterNotFound(name);
  let members: OperationResult;
  try {
    const version = readSecretVersion(
      context.secrets,
      secret,
      versionSelector(secret, selected),
      context.now(),
    );
    members = secretValueMembers(secret, version);
  } catch (error) {
    if (!(error instanceof AwsError) || error.type !== 'ResourceNotFoundException') throw error;
    throw selector === undefined ? parameterNotFound(name) : parameterVersionNotFound(name, selector);
  }
  const { SecretString, SecretBinary, ...source } = members;
  return {
    Name: name,
    Type: 'SecureString',
    // A binary secret's bytes are stored, and answered here, base64-encoded.
    Value: SecretString ?? SecretBinary,
    Version: 0,
    Selector: selector,
    SourceResult: JSON.stringify(source),
    LastModifiedDate: source.CreatedDate,
    ARN: secret.arn,
    DataType: 'text',
  };
}
