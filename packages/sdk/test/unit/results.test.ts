import { describe, expect, it } from 'vitest';
import { cachedSecret, hitResults, lookupResult } from '../../src/cache/results.js';
import type { SecretValue } from '../../src/types/secret.js';

const base = {
  arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf',
  name: 'db',
  versionId: 'v-1',
  versionStages: Object.freeze(['AWSCURRENT']),
  createdDate: new Date(0),
};
const values: Record<string, SecretValue> = {
  string: Object.freeze({ ...base, string: 's3cr3t' }),
  binary: Object.freeze({ ...base, binary: new Uint8Array([1, 2, 3]) }),
};

describe('hitResults: the prebuilt warm-hit results', () => {
  for (const [kind, value] of Object.entries(values)) {
    it(`resolve to what the per-read builders make for a ${kind} value, frozen, around the same value`, async () => {
      const hits = hitResults(value);
      const got = await hits.get;
      const looked = await hits.lookup;
      expect(got).toEqual(cachedSecret(value, false));
      expect(looked).toEqual(lookupResult(value, 'hit'));
      expect(looked.value).toBe(value);
      expect(Object.isFrozen(got)).toBe(true);
      expect(Object.isFrozen(looked)).toBe(true);
    });
  }
});
