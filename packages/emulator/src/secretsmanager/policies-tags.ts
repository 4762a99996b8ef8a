import { AwsError } from '../errors.js';
import type { Operation } from './context.js';
import { mergeTags, readSecretId, readTags } from './fields.js';
import type { Input } from './input.js';

/** TagResource, UntagResource, and the resource-policy operations. */

export const tagResource: Operation = (input, { store, now }) => {
  const secret = store.resolve(readSecretId(input));
  const tags = input.required('Tags', readTags(input));
  secret.tags = mergeTags(secret.tags, tags);
  secret.lastChangedAt = now();
  store.markChanged();
  return {};
};

export const untagResource: Operation = (input, { store, now }) => {
  const secret = store.resolve(readSecretId(input));
  const keys = input.required('TagKeys', input.stringList('TagKeys', {}, { min: 1, max: 128 }));
  secret.tags = secret.tags.filter((tag) => !keys.includes(tag.Key));
  secret.lastChangedAt = now();
  store.markChanged();
  return {};
};

interface PolicyCheck {
  errors: { CheckName: string; ErrorType: string; ErrorMessage: string }[];
  isPublic: boolean;
}

/** Checks that a policy is an IAM policy document, and whether it grants access to everyone (Principal "*"). */
function checkPolicy(text: string): PolicyCheck {
  const errors: PolicyCheck['errors'] = [];
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    errors.push({
      CheckName: 'SYNTAX_CHECK',
      ErrorType: 'ERROR',
      ErrorMessage: 'The policy is not valid JSON.',
    });
    return { errors, isPublic: false };
  }
  const statements = (document as { Statement?: unknown })?.Statement;
  const list = Array.isArray(statements) ? statements : statements ? [statements] : [];
  if (typeof document !== 'object' || document === null || list.length === 0) {
    errors.push({
      CheckName: 'SYNTAX_CHECK',
      ErrorType: 'ERROR',
      ErrorMessage: 'The policy has no Statement.',
    });
  }
  let isPublic = false;
  for (const statement of list as Record<string, unknown>[]) {
    if (statement?.Effect !== 'Allow' && statement?.Effect !== 'Deny') {
      errors.push({
        CheckName: 'SYNTAX_CHECK',
        ErrorType: 'ERROR',
        ErrorMessage: 'Each Statement needs Effect Allow or Deny.',
      });
    }
    const principal = statement?.Principal as unknown;
    const aws =
      typeof principal === 'object' && principal !== null ? (principal as { AWS?: unknown }).AWS : undefined;
    const everyone = principal === '*' || aws === '*' || (Array.isArray(aws) && aws.includes('*'));
    if (statement?.Effect === 'Allow' && everyone) isPublic = true;
  }
  return { errors, isPublic };
}

const readPolicy = (input: Input) => input.requiredString('ResourcePolicy', { min: 1, max: 20480 });

export const getResourcePolicy: Operation = (input, { store }) => {
  const secret = store.resolve(readSecretId(input));
  return { ARN: secret.arn, Name: secret.name, ResourcePolicy: secret.resourcePolicy };
};

export const putResourcePolicy: Operation = (input, { store, now }) => {
  const secret = store.resolve(readSecretId(input));
  const policy = readPolicy(input);
  const blockPublic = input.boolean('BlockPublicPolicy') ?? false;
  const { errors, isPublic } = checkPolicy(policy);
  if (errors.length > 0) throw new AwsError('MalformedPolicyDocumentException', errors[0]!.ErrorMessage);
  if (blockPublic && isPublic) {
    throw new AwsError(
      'PublicPolicyException',
      `The resource policy for secret ${secret.name} grants access to everyone (Principal "*"), and BlockPublicPolicy is on.`,
    );
  }
  secret.resourcePolicy = policy;
  secret.lastChangedAt = now();
  store.markChanged();
  return { ARN: secret.arn, Name: secret.name };
};

export const deleteResourcePolicy: Operation = (input, { store, now }) => {
  const secret = store.resolve(readSecretId(input));
  secret.resourcePolicy = undefined;
  secret.lastChangedAt = now();
  store.markChanged();
  return { ARN: secret.arn, Name: secret.name };
};

export const validateResourcePolicy: Operation = (input, { store }) => {
  const secretId = input.string('SecretId', { min: 1, max: 2048 });
  if (secretId !== undefined) store.resolve(secretId);
  const { errors } = checkPolicy(readPolicy(input));
  return { PolicyValidationPassed: errors.length === 0, ValidationErrors: errors };
};
