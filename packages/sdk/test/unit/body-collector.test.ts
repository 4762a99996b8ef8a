import { Readable } from 'node:stream';
import { AwsSource } from '@latchkey/sdk';
import { collectBody } from '@latchkey/sdk/internal';
import { describe, expect, it } from 'vitest';

const chunks = [Buffer.from('{"SecretString":'), Buffer.alloc(70_000, 'x'), Buffer.from('"é"}')];

describe('collectBody', () => {
  it('returns the bytes of every chunk in order, as concatenating them does', async () => {
    const body = await collectBody(Readable.from(chunks, { objectMode: false }));
    expect(Buffer.from(body).equals(Buffer.concat(chunks))).toBe(true);
  });

  it('returns an empty array for an empty body', async () => {
    expect((await collectBody(Readable.from([]))).byteLength).toBe(0);
  });

  it('rejects with the error of a body that fails midway', async () => {
    const body = new Readable({ read() {} });
    const collected = collectBody(body);
    body.push(chunks[0]);
    body.destroy(new Error('socket hang up'));
    await expect(collected).rejects.toThrow('socket hang up');
  });

  it('rejects a body that closes before its end', async () => {
    const body = new Readable({ read() {} });
    const collected = collectBody(body);
    body.push(chunks[0]);
    body.destroy();
    await expect(collected).rejects.toThrow(/premature close/i);
  });

  it('reads a web stream, as a custom request handler may give', async () => {
    const body = await collectBody(Readable.toWeb(Readable.from(chunks)));
    expect(Buffer.from(body).equals(Buffer.concat(chunks))).toBe(true);
  });

  it('is the default of the clients AwsSource creates, and a configured collector wins', async () => {
    const region = 'us-east-1';
    expect(new AwsSource({ clientConfig: { region } }).client.config.streamCollector).toBe(collectBody);
    const own = async () => new Uint8Array();
    expect(
      new AwsSource({ clientConfig: { region, streamCollector: own } }).client.config.streamCollector,
    ).toBe(own);
  });
});
