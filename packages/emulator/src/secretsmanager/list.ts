import { invalidParameter } from '../errors.js';
import type { Operation } from './context.js';
import type { Input } from './input.js';
import type { Secret } from './model.js';
import { paginate } from './pagination.js';
import { secretMetadata } from './secrets.js';

/** ListSecrets, and the Filters it shares with BatchGetSecretValue. */

const FILTER_KEYS = [
  'description',
  'name',
  'tag-key',
  'tag-value',
  'primary-region',
  'owning-service',
  'all',
];

export interface SecretFilter {
  key: string;
  values: string[];
}

export function readFilters(input: Input): SecretFilter[] | undefined {
  return input.list('Filters', { max: 10 })?.map((filter) => {
    const key = filter.requiredString('Key');
    if (!FILTER_KEYS.includes(key)) {
      throw invalidParameter(`Invalid filter key ${key}: use one of ${FILTER_KEYS.join(', ')}.`);
    }
    const values = filter.stringList('Values', { min: 1, max: 10 }, { min: 1, max: 512 }) ?? [];
    return { key, values };
  });
}

/** The attribute values a filter key looks at, and whether its prefix match ignores case (per AWS's docs). */
function attributes(secret: Secret, key: string): { values: string[]; ignoreCase: boolean } {
  switch (key) {
    case 'description':
      return { values: secret.description ? [secret.description] : [], ignoreCase: true };
    case 'name':
      return { values: [secret.name], ignoreCase: false };
    case 'tag-key':
      return { values: secret.tags.map((tag) => tag.Key), ignoreCase: false };
    case 'tag-value':
      return { values: secret.tags.map((tag) => tag.Value), ignoreCase: false };
    case 'primary-region':
    case 'owning-service':
      return { values: [], ignoreCase: false };
    default: {
      const all = [
        secret.name,
        secret.description ?? '',
        ...secret.tags.flatMap((tag) => [tag.Key, tag.Value]),
      ];
      return { values: all.flatMap((value) => value.split(/[\s/_+=.@-]+/)), ignoreCase: true };
    }
  }
}

/**
 * A secret matches when every filter matches; a filter matches when any of its values is a prefix of one of the
 * attributes. A value starting with `!` negates it. Key `all` breaks the value into words and matches each word.
 */
export function matchesFilters(secret: Secret, filters: SecretFilter[]): boolean {
  return filters.every(({ key, values }) => {
    const { values: candidates, ignoreCase } = attributes(secret, key);
    const norm = (s: string) => (ignoreCase ? s.toLowerCase() : s);
    const prefixMatch = (value: string) =>
      candidates.some((candidate) => norm(candidate).startsWith(norm(value)));
    return values.some((raw) => {
      const negated = raw.startsWith('!');
      const value = negated ? raw.slice(1) : raw;
      const matched =
        key === 'all'
          ? value
              .split(/\s+/)
              .filter(Boolean)
              .every((word) => prefixMatch(word))
          : prefixMatch(value);
      return negated ? !matched : matched;
    });
  });
}

export const listSecrets: Operation = (input, { store }) => {
  const includeDeleted = input.boolean('IncludePlannedDeletion') ?? false;
  const maxResults = input.integer('MaxResults', { min: 1, max: 100 }) ?? 100;
  const nextToken = input.string('NextToken', { min: 1, max: 4096 });
  const filters = readFilters(input) ?? [];
  const sortOrder = input.string('SortOrder');
  if (sortOrder !== undefined && sortOrder !== 'asc' && sortOrder !== 'desc') {
    throw invalidParameter(`Invalid SortOrder ${sortOrder}: use asc or desc.`);
  }
  const secrets = store
    .all()
    .filter((secret) => includeDeleted || secret.deletedAt === undefined)
    .filter((secret) => matchesFilters(secret, filters));
  if (sortOrder === 'desc') secrets.reverse();
  const { page, nextToken: next } = paginate('ListSecrets', secrets, maxResults, nextToken);
  return {
    SecretList: page.map((secret) => {
      const { VersionIdsToStages, ...metadata } = secretMetadata(secret);
      return { ...metadata, SecretVersionsToStages: VersionIdsToStages };
    }),
    NextToken: next,
  };
};
