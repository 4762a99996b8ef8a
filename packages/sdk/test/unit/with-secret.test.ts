import { ManualClock, SecretsCache, withSecret } from '@latchkey/sdk';
import { describe, expect, it } from 'vitest';
import { StubSource } from '../support/stub-source.js';

class AuthError extends Error {
  readonly code = 'AUTH';
}
const isAuthError = (error: unknown) => error instanceof AuthError;

function setup() {
  const source = new StubSource();
  const cache = new SecretsCache({ source, clock: new ManualClock() });
  return { source, cache };
}

describe('withSecret', () => {
  it('retries once with the rotated secret after an authentication failure', async () => {
    const { source, cache } = setup();
    source.put('db', 'old');
    await cache.get('db');
    source.put('db', 'new'); // rotated; the cache still holds 'old'
    const seen: string[] = [];
    const result = await withSecret(
      cache,
      'db',
      (secret) => {
        seen.push(secret.string ?? '');
        if (secret.string !== 'new') throw new AuthError('password authentication failed');
        return 'connected';
      },
      { isAuthError },
    );
    expect(result).toBe('connected');
    expect(seen).toEqual(['old', 'new']);
  });

  it('rethrows when the refresh brings no new version, and never retries other errors', async () => {
    const { source, cache } = setup();
    source.put('db', 'same');
    let calls = 0;
    const failAuth = () => {
      calls++;
      throw new AuthError('denied');
    };
    await expect(withSecret(cache, 'db', failAuth, { isAuthError })).rejects.toBeInstanceOf(AuthError);
    expect(calls).toBe(1);
    const failOther = () => {
      calls++;
      throw new Error('syntax error');
    };
    await expect(withSecret(cache, 'db', failOther, { isAuthError })).rejects.toThrow('syntax error');
    expect(calls).toBe(2);
    // The read; after the refusal a version check (unchanged), a look for a pending version (there is none), and
    // a last version check in case a rotation finished meanwhile.
    expect(source.calls.GetSecretValue).toBe(2);
    expect(source.calls.DescribeSecret).toBe(2);
  });

  it('falls back to AWSPENDING while a single-user rotation has changed the password but not AWSCURRENT', async () => {
    const { source, cache } = setup();
    source.put('db', 'old');
    source.startRotation('db', 'new'); // setSecret has run: the database accepts only 'new'
    const login = (secret: { string?: string }) => {
      if (secret.string !== 'new') throw new AuthError('password authentication failed');
      return secret.string;
    };
    expect(await withSecret(cache, 'db', login, { isAuthError })).toBe('new');
  });

  it('checks upstream after a refusal even right after a forced refresh returned the old version', async () => {
    const { source, cache } = setup();
    source.put('db', 'old');
    await cache.refresh('db'); // within minRefreshInterval, another forced refresh would answer with this read
    source.put('db', 'new');
    const login = (secret: { string?: string }) => {
      if (secret.string !== 'new') throw new AuthError('password authentication failed');
      return secret.string;
    };
    expect(await withSecret(cache, 'db', login, { isAuthError })).toBe('new');
    expect((await cache.get('db')).string).toBe('new'); // the stage's entry moved on too
  });

  it('finds the new AWSCURRENT when the rotation finishes between its checks', async () => {
    const { source, cache } = setup();
    source.put('db', 'old');
    await cache.get('db');
    source.startRotation('db', 'new');
    // Right after the first check found AWSCURRENT unchanged, finishSecret runs and the pending label goes away.
    cache.once('refresh', () => source.finishRotation('db'));
    const login = (secret: { string?: string }) => {
      if (secret.string !== 'new') throw new AuthError('password authentication failed');
      return secret.string;
    };
    expect(await withSecret(cache, 'db', login, { isAuthError })).toBe('new');
  });

  it('gives a pinned version no retry', async () => {
    const { source, cache } = setup();
    const pinned = source.put('db', 'old');
    source.startRotation('db', 'new');
    let calls = 0;
    const login = () => {
      calls++;
      throw new AuthError('denied');
    };
    await expect(withSecret(cache, 'db', login, { isAuthError, versionId: pinned })).rejects.toBeInstanceOf(
      AuthError,
    );
    expect(calls).toBe(1);
  });
});
