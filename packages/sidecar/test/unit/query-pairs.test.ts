/** queryPairs splits plain queries itself: it must read every query exactly as URLSearchParams does. */
import { describe, expect, it } from 'vitest';
import { queryPairs } from '../../src/http/params.js';

const reference = (query: string) => [...new URLSearchParams(query)];

/** Every string of up to `length` characters over `alphabet`. */
function strings(alphabet: readonly string[], length: number): string[] {
  const all = [''];
  let level = [''];
  for (let size = 1; size <= length; size++) {
    level = level.flatMap((shorter) => alphabet.map((char) => shorter + char));
    all.push(...level);
  }
  return all;
}

describe('queryPairs', () => {
  it('reads the agent clients’ queries as URLSearchParams does', () => {
    for (const query of [
      'secretId=app/db',
      'secretId=app/db&versionStage=AWSPREVIOUS&refreshNow=true',
      'secretId=arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf',
      'secretId=a%2Fb',
      'secretId=a+b',
      'secretId=%E5%AF%86&x=%zz',
      '?secretId=app/db',
      'secretId=é',
      'name=/app/db&withDecryption=true',
    ])
      expect(queryPairs(query), query).toEqual(reference(query));
  });

  it('agrees with URLSearchParams on every query of up to 5 characters of & = ? % + and letters', () => {
    let checked = 0;
    for (const query of strings(['a', 'b', '=', '&', '?', '%', '+'], 5)) {
      expect(queryPairs(query), query).toEqual(reference(query));
      checked++;
    }
    expect(checked).toBe((7 ** 6 - 1) / 6);
  });
});
