/** The rendered-body memo: bodies kept from their second use, and dropped as soon as the cache replaces the
 * version or stops holding it (so an old secret does not stay in memory until newer bodies push it out). */
import { type ChangeEvent, ManualClock, SecretsCache, type SecretValue } from '@latchkey/sdk';
import { describe, expect, it } from 'vitest';
import { SecretBodyRenderer } from '../../src/http/bodies/secret-body.js';
import { SecretReaders } from '../../src/upstream/readers.js';
import { FakeReader, secretValue } from '../support/fake-reader.js';

const change = (previous: SecretValue, value: SecretValue): ChangeEvent => ({
  secretId: previous.name,
  versionStage: 'AWSCURRENT',
  requestedVersionId: undefined,
  value,
  previous,
});

describe('rendered bodies', () => {
  it('keeps a body from its second use, the same text as the first', () => {
    const renderer = new SecretBodyRenderer('string');
    const value = secretValue('app/db', 'p4ss');
    const first = renderer.render(value);
    expect(renderer.size).toBe(0);
    const second = renderer.render(value);
    expect(second).toEqual(first);
    expect(renderer.size).toBe(1);
    expect(renderer.render(value)).toBe(second);
    expect(JSON.parse(first.text).SecretString).toBe('p4ss');
  });

  it('gives each body its length in UTF-8 bytes, kept with the body', () => {
    const renderer = new SecretBodyRenderer('string');
    const value = secretValue('app/db', 'pässwörd-密码-🔑');
    for (const rendered of [renderer.render(value), renderer.render(value), renderer.render(value)]) {
      expect(rendered.contentLength).toBe(String(Buffer.from(rendered.text, 'utf8').length));
      expect(rendered.contentLength).not.toBe(String(rendered.text.length));
    }
    expect(renderer.size).toBe(1);
  });

  it('drops the body of a replaced version, whichever reader (own or per role) replaced it', () => {
    const renderer = new SecretBodyRenderer('string');
    const created: FakeReader[] = [];
    const readers = new SecretReaders(
      () => {
        const reader = new FakeReader();
        created.push(reader);
        return reader;
      },
      2,
      (previous) => renderer.forget(previous),
    );
    readers.forRole('arn:aws:iam::123456789012:role/other-account', 'default');
    const [own, role] = created as [FakeReader, FakeReader];
    const old = secretValue('app/db', 'old-password', 'v1');
    const kept = secretValue('app/api', 'api-key', 'v1');
    const crossAccount = secretValue('shared/db', 'shared-password', 'v1');
    for (const value of [old, old, kept, kept, crossAccount, crossAccount]) renderer.render(value);
    expect(renderer.size).toBe(3);

    own.emit('change', change(old, secretValue('app/db', 'new-password', 'v2')));
    expect(renderer.size).toBe(2);
    role.emit('change', change(crossAccount, secretValue('shared/db', 'rotated', 'v2')));
    expect(renderer.size).toBe(1);
    // The body still kept is the untouched secret's, until its reader stops holding the value.
    own.emit('evict', {
      secretId: 'app/api',
      versionStage: 'AWSCURRENT',
      requestedVersionId: undefined,
      value: kept,
    });
    expect(renderer.size).toBe(0);
  });

  it('drops the body of a value the real cache evicts, invalidates or closes', async () => {
    const renderer = new SecretBodyRenderer('string');
    const source = {
      getSecretValue: async ({ secretId }: { secretId: string }) => secretValue(secretId, 'pw'),
    };
    const readers = new SecretReaders(
      () => new SecretsCache({ source, clock: new ManualClock(), maxEntries: 2 }),
      1,
      (retired) => renderer.forget(retired),
    );
    const serve = async (id: string) => {
      const { value } = await readers.primary.lookup(id);
      renderer.render(value);
      renderer.render(value);
    };
    await serve('a');
    await serve('b');
    expect(renderer.size).toBe(2);
    await serve('c'); // pushes 'a' out of the two-entry cache
    expect(renderer.size).toBe(2);
    (readers.primary as SecretsCache).invalidate('b');
    expect(renderer.size).toBe(1);
    await readers.close();
    expect(renderer.size).toBe(0);
  });
});
