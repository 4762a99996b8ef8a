/**
 * The 200 body, as the agent writes it: `{"ARN","Name","VersionId","SecretString"|"SecretBinary","VersionStages",
 * "CreatedDate"}`, SecretBinary in base64, CreatedDate a string of epoch seconds with a fraction (or, as an option,
 * a number like the GetSecretValue API and the Lambda extension). The cache hands out one frozen object per version,
 * so the serialized bytes are computed once per version and reused for every hit.
 */
import type { SecretValue } from '@latchkey/sdk';

export type CreatedDateFormat = 'string' | 'number';

function createdDate(date: Date | undefined, format: CreatedDateFormat): string | number | null {
  if (date === undefined) return null;
  const ms = date.getTime();
  if (format === 'number') return ms / 1000;
  const seconds = Math.floor(ms / 1000);
  return `${seconds}.${String(ms - seconds * 1000).padStart(3, '0')}`;
}

/** The body as an object (also used inside the batch response). Key order is the agent's. */
export function secretBodyObject(value: SecretValue, format: CreatedDateFormat): Record<string, unknown> {
  const body: Record<string, unknown> = {
    ARN: value.arn ?? null,
    Name: value.name ?? null,
    VersionId: value.versionId ?? null,
  };
  if (value.string !== undefined) body.SecretString = value.string;
  if (value.binary !== undefined)
    body.SecretBinary = Buffer.from(
      value.binary.buffer,
      value.binary.byteOffset,
      value.binary.byteLength,
    ).toString('base64');
  if (value.versionStages !== undefined) body.VersionStages = value.versionStages;
  body.CreatedDate = createdDate(value.createdDate, format);
  return body;
}

/** Serialized bodies, memoized per value object. */
export class SecretBodyRenderer {
  private readonly memo = new WeakMap<SecretValue, Buffer>();
  readonly format: CreatedDateFormat;

  constructor(format: CreatedDateFormat) {
    this.format = format;
  }

  render(value: SecretValue): Buffer {
    let body = this.memo.get(value);
    if (body === undefined) {
      body = Buffer.from(JSON.stringify(secretBodyObject(value, this.format)), 'utf8');
      this.memo.set(value, body);
    }
    return body;
  }
}
