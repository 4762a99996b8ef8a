/**
 * Secret references as `latchkey get/run/render` take them: a plain id (name or ARN), `id#jsonKey`, or the ECS
 * `valueFrom` form `arn:aws:secretsmanager:region:account:secret:name:json-key:version-stage:version-id`.
 */
export interface SecretReference {
  readonly secretId: string;
  readonly jsonKey?: string;
  readonly versionStage?: string;
  readonly versionId?: string;
}

export class SecretReferenceError extends Error {
  readonly code = 'SecretReferenceError';
  constructor(message: string) {
    super(message);
    this.name = 'SecretReferenceError';
  }
}

export function parseReference(text: string): SecretReference {
  if (text === '') throw new SecretReferenceError('empty secret reference');
  if (text.startsWith('arn:')) {
    const parts = text.split(':');
    if (parts.length < 7 || parts[5] !== 'secret')
      throw new SecretReferenceError(`"${text}" is not a Secrets Manager secret ARN`);
    if (parts.length > 10)
      throw new SecretReferenceError(
        `"${text}" has too many fields for arn:…:secret:name:json-key:version-stage:version-id`,
      );
    const [jsonKey, versionStage, versionId] = parts.slice(7).map((part) => (part === '' ? undefined : part));
    return { secretId: parts.slice(0, 7).join(':'), jsonKey, versionStage, versionId };
  }
  const hash = text.indexOf('#');
  if (hash < 0) return { secretId: text };
  const secretId = text.slice(0, hash);
  const jsonKey = text.slice(hash + 1);
  if (secretId === '' || jsonKey === '') throw new SecretReferenceError(`"${text}" must be <id>#<json-key>`);
  return { secretId, jsonKey };
}
