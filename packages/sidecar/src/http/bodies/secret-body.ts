/**
 * The 200 body, as the agent writes it: `{"ARN","Name","VersionId","SecretString"|"SecretBinary","VersionStages",
 * "CreatedDate"}`, SecretBinary in base64, CreatedDate a string of epoch seconds with a fraction (or, as an option,
 * a number like the GetSecretValue API and the Lambda extension). The cache hands out one frozen object per version,
 * so the serialized bodies of recently served versions are kept and reused for every hit.
 */
import type { SecretValue } from '@latchkey/sdk';
import { LRUCache } from 'lru-cache';

export type CreatedDateFormat = 'string' | 'number';

function createdDate(date: Date | undefined, format: CreatedDateFormat): string | number | null {
  if (date === undefined) return null;
  const ms = date.getTime();
  if (format === 'number') return ms / 1000;
  const seconds = Math.floor(ms / 1000);
  return `${seconds}.${String(ms - seconds * 1000).padStart(3, '0')}`;
}

/** A binary secret as the agent sends it, in base64 (without copying its bytes). */
export function base64(binary: Uint8Array): string {
  return Buffer.from(binary.buffer, binary.byteOffset, binary.byteLength).toString('base64');
}

/** The body as an object (also used inside the batch response). Key order is the agent's. */
export function secretBodyObject(value: SecretValue, format: CreatedDateFormat): Record<string, unknown> {
  const body: Record<string, unknown> = {
    ARN: value.arn ?? null,
    Name: value.name ?? null,
    VersionId: value.versionId ?? null,
  };
  if (value.string !== undefined) body.SecretString = value.string;
  if (value.binary !== undefined) body.SecretBinary = base64(value.binary);
  if (value.versionStages !== undefined) body.VersionStages = value.versionStages;
  body.CreatedDate = createdDate(value.createdDate, format);
  return body;
}

/** A serialized body and its length in bytes, as the Content-Length header gives it. */
export interface RenderedBody {
  readonly text: string;
  /** Measured once per body: counting a string's UTF-8 bytes reads all of it, and a kept body is sent many times. */
  readonly contentLength: string;
}

/** Characters of serialized bodies kept: plenty for the secrets an app reads over and over. */
const MEMO_CHARS = 1024 * 1024;

/** Serialized bodies of the values served more than once, the most recently served kept. A body is kept from its
 * second use on: one kept at its first would, for a secret read once per TTL, outlive a few young-generation
 * collections and be promoted, and a thousand such bodies leave megabytes of old garbage behind. The body of a
 * version the cache has replaced or no longer holds (evicted, invalidated, unreadable) is dropped at once (`forget`):
 * an old secret does not linger in memory until newer bodies push it out. */
export class SecretBodyRenderer {
  private readonly memo = new LRUCache<SecretValue, RenderedBody>({
    maxSize: MEMO_CHARS,
    sizeCalculation: (body) => body.text.length,
  });
  private readonly renderedOnce = new WeakSet<SecretValue>();
  readonly format: CreatedDateFormat;

  constructor(format: CreatedDateFormat) {
    this.format = format;
  }

  /** Bodies kept. */
  get size(): number {
    return this.memo.size;
  }

  /** Drops the body of a value no longer served. */
  forget(value: SecretValue): void {
    this.memo.delete(value);
  }

  render(value: SecretValue): RenderedBody {
    let body = this.memo.get(value);
    if (body === undefined) {
      const text = JSON.stringify(secretBodyObject(value, this.format));
      body = { text, contentLength: String(Buffer.byteLength(text)) };
      if (!this.renderedOnce.has(value)) this.renderedOnce.add(value);
      // A body larger than the whole memo is served without being kept.
      else if (text.length <= MEMO_CHARS) this.memo.set(value, body);
    }
    return body;
  }
}
