import { AwsError, invalidParameter } from '../errors.js';
import type { Operation } from './context.js';
import { matchesFilters, readFilters } from './list.js';
import type { Secret } from './model.js';
import { paginate } from './pagination.js';
import { readSecretVersion, secretValueMembers } from './versions.js';

/**
 * BatchGetSecretValue: the AWSCURRENT value of up to 20 secrets named in SecretIdList, or of the secrets matching
 * Filters (paginated). A secret that cannot be read becomes an entry in Errors instead of failing the call.
 */
export const batchGetSecretValue: Operation = (input, { store, now }) => {
  const secretIds = input.stringList('SecretIdList', { min: 1, max: 20 }, { min: 1, max: 2048 });
  const filters = readFilters(input);
  const maxResults = input.integer('MaxResults', { min: 1, max: 20 });
  const nextToken = input.string('NextToken', { min: 1, max: 4096 });
  if ((secretIds === undefined) === (filters === undefined)) {
    throw invalidParameter('Specify either SecretIdList or Filters, but not both.');
  }
  if (secretIds && (maxResults !== undefined || nextToken !== undefined)) {
    throw invalidParameter('MaxResults and NextToken can only be used with Filters.');
  }
  const at = now();
  let targets: { secretId: string; find: () => Secret }[];
  let next: string | undefined;
  if (secretIds) {
    targets = secretIds.map((secretId) => ({ secretId, find: () => store.resolve(secretId) }));
  } else {
    const matching = store
      .all()
      .filter((secret) => secret.deletedAt === undefined && matchesFilters(secret, filters!));
    const paged = paginate('BatchGetSecretValue', matching, maxResults ?? 20, nextToken);
    targets = paged.page.map((secret) => ({ secretId: secret.arn, find: () => secret }));
    next = paged.nextToken;
  }
  const SecretValues: Record<string, unknown>[] = [];
  const Errors: Record<string, unknown>[] = [];
  for (const { secretId, find } of targets) {
    try {
      const secret = find();
      SecretValues.push(secretValueMembers(secret, readSecretVersion(store, secret, {}, at)));
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      Errors.push({ SecretId: secretId, ErrorCode: error.type, Message: error.message });
    }
  }
  return { SecretValues, Errors, NextToken: next };
};
