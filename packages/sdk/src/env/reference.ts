import { InvalidReferenceError } from '../errors.js';

/** What a reference names: a secret, optionally one JSON key of it, and optionally a version. */
export interface SecretReference {
  readonly secretId: string;
  readonly jsonKey?: string;
  readonly versionStage?: string;
  readonly versionId?: string;
}

/** A full secret ARN has 7 colon-separated parts: arn:partition:secretsmanager:region:account:secret:name. */
const ARN_PARTS = 7;

/**
 * Parses a secret reference:
 * - a plain id or ARN: `prod/db`, `arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf`;
 * - `id#jsonKey`: one top-level key of a JSON secret;
 * - the ECS `valueFrom` form `arn:aws:secretsmanager:region:account:secret:name:json-key:version-stage:version-id`,
 *   where the trailing parts may be left out or empty.
 * Throws `InvalidReferenceError` naming the reference.
 */
export function parseSecretReference(reference: string): SecretReference {
  const invalid = (why: string) =>
    new InvalidReferenceError(`Invalid secret reference '${reference}': ${why}`);
  if (typeof reference !== 'string' || reference.trim() === '') throw invalid('it is empty');
  const hash = reference.indexOf('#');
  const base = hash === -1 ? reference : reference.slice(0, hash);
  const hashKey = hash === -1 ? undefined : reference.slice(hash + 1);
  if (hashKey !== undefined && (hashKey === '' || hashKey.includes('#')))
    throw invalid('expected id#jsonKey');
  if (base === '') throw invalid('the secret id is empty');
  if (/\s/.test(base)) throw invalid('a secret id has no whitespace');

  if (!base.startsWith('arn:'))
    return hashKey === undefined ? { secretId: base } : { secretId: base, jsonKey: hashKey };

  const parts = base.split(':');
  if (parts.length < ARN_PARTS || parts[2] !== 'secretsmanager' || parts[5] !== 'secret' || parts[6] === '') {
    throw invalid(
      'expected arn:<partition>:secretsmanager:<region>:<account>:secret:<name>[:json-key[:version-stage[:version-id]]]',
    );
  }
  if (parts.length > ARN_PARTS + 3) throw invalid('too many parts after the secret name');
  const [jsonKey, versionStage, versionId] = parts.slice(ARN_PARTS).map((part) => part || undefined);
  if (jsonKey !== undefined && hashKey !== undefined) throw invalid('the JSON key is given twice');
  if (versionStage !== undefined && versionId !== undefined) {
    throw invalid('give a version stage or a version id, not both');
  }
  const key = jsonKey ?? hashKey;
  return {
    secretId: parts.slice(0, ARN_PARTS).join(':'),
    ...(key === undefined ? {} : { jsonKey: key }),
    ...(versionStage === undefined ? {} : { versionStage }),
    ...(versionId === undefined ? {} : { versionId }),
  };
}
