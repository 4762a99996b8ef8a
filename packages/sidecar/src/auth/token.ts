/**
 * One accepted token and where it comes from (a literal, an environment variable, or a file). Tokens are kept and
 * compared as SHA-256 digests with `timingSafeEqual`, so the comparison takes the same time whatever the input.
 * A file token is re-read on a timer and compared by content (which also sees Kubernetes' symlink swaps); the
 * previous token stays valid for a grace period so clients that read the old file keep working during rotation.
 */
import type * as NodeCrypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TokenSpec } from '../config/schema.js';

let crypto: typeof NodeCrypto | undefined;

/** node:crypto, loaded at the first digest rather than at start-up: loading it is one of the larger parts of the
 * Lambda extension's Init, which needs no digest (its first one is made by the first request with a token). */
function nodeCrypto(): typeof NodeCrypto {
  crypto ??= process.getBuiltinModule('node:crypto');
  return crypto;
}

export function tokenDigest(token: string): Buffer {
  // One-shot hashing: no Hash object per request.
  return nodeCrypto().hash('sha256', token, 'buffer') as unknown as Buffer;
}

function timingSafeEqual(a: Buffer, b: Buffer): boolean {
  return nodeCrypto().timingSafeEqual(a, b);
}

export class TokenError extends Error {
  readonly code = 'TokenError';
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

function readTokenFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TokenError(
      `Could not read the token file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const token = text.trim();
  if (token === '') throw new TokenError(`The token file ${path} is empty`);
  return token;
}

export function readToken(spec: TokenSpec, env: NodeJS.ProcessEnv = process.env): string {
  switch (spec.kind) {
    case 'literal':
      if (spec.value.startsWith('file://')) return readTokenFile(spec.value.slice('file://'.length));
      if (spec.value === '') throw new TokenError('The token is empty');
      return spec.value;
    case 'file':
      return readTokenFile(spec.path);
    case 'env': {
      const value = env[spec.name];
      if (value === undefined || value === '')
        throw new TokenError(`The environment variable ${spec.name} is not set`);
      return value.startsWith('file://') ? readTokenFile(value.slice('file://'.length)) : value;
    }
  }
}

export interface TokenSourceOptions {
  /** How long a replaced token is still accepted. */
  readonly graceMs: number;
  /** How often a token file is checked for changes. */
  readonly pollIntervalMs: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly onReload?: (outcome: { changed: boolean; error?: Error }) => void;
  readonly now?: () => number;
}

export class TokenSource {
  readonly spec: TokenSpec;
  /** The token as read, until its digest is first needed (then only the digest is kept). */
  private unhashed: string | undefined;
  private current: Buffer | undefined;
  private previous: { digest: Buffer; until: number } | undefined;
  private readonly poller: NodeJS.Timeout | undefined;
  /** A failing re-read is reported once, not at every poll. */
  private failing = false;
  private readonly options: TokenSourceOptions;
  private readonly now: () => number;

  constructor(spec: TokenSpec, options: TokenSourceOptions) {
    this.spec = spec;
    this.options = options;
    this.now = options.now ?? Date.now;
    // Read now, so that a missing token fails the start; hashed when first compared.
    this.unhashed = readToken(spec, options.env);
    // By content, not by stat: two writes of a same-sized token within one filesystem timestamp tick leave the
    // stat unchanged (seen in CI), and a token file is a few bytes.
    if (this.filePath() !== undefined) {
      this.poller = setInterval(() => this.reload(), options.pollIntervalMs);
      this.poller.unref();
    }
  }

  private get digest(): Buffer {
    if (this.current === undefined) {
      this.current = tokenDigest(this.unhashed as string);
      this.unhashed = undefined;
    }
    return this.current;
  }

  /** The file behind this token, if any. */
  private filePath(): string | undefined {
    if (this.spec.kind === 'file') return this.spec.path;
    const value =
      this.spec.kind === 'literal'
        ? this.spec.value
        : (this.options.env?.[this.spec.name] ?? process.env[this.spec.name]);
    return value?.startsWith('file://') ? value.slice('file://'.length) : undefined;
  }

  /** Which token `candidate` (a digest) is: the current one, the previous one within its grace period, or
   * neither (undefined). Both comparisons always run. */
  match(candidate: Buffer): 'current' | 'previous' | undefined {
    const current = timingSafeEqual(candidate, this.digest);
    const previous = this.previous !== undefined && timingSafeEqual(candidate, this.previous.digest);
    if (current) return 'current';
    return previous && this.now() < (this.previous?.until ?? 0) ? 'previous' : undefined;
  }

  /** Re-read the token (on a file change, or SIGHUP). A failed read keeps the last good token. */
  reload(): void {
    let next: Buffer;
    try {
      next = tokenDigest(readToken(this.spec, this.options.env));
    } catch (error) {
      if (!this.failing) this.options.onReload?.({ changed: false, error: error as Error });
      this.failing = true;
      return;
    }
    this.failing = false;
    const changed = !timingSafeEqual(next, this.digest);
    if (changed) {
      this.previous = { digest: this.digest, until: this.now() + this.options.graceMs };
      this.current = next;
    }
    this.options.onReload?.({ changed });
  }

  /** Whether `other` holds the same current token. */
  sameTokenAs(other: TokenSource): boolean {
    return timingSafeEqual(this.digest, other.digest);
  }

  /** This source replaces `older` (a reload rebuilt the clients): what `older` accepted stays valid for the grace
   * period, as when a token changes in place (its previous token only until that token's own grace ends). */
  succeed(older: TokenSource): void {
    if (!timingSafeEqual(older.digest, this.digest)) {
      this.previous = { digest: older.digest, until: this.now() + this.options.graceMs };
    } else if (older.previous !== undefined && this.now() < older.previous.until) {
      this.previous = older.previous;
    }
  }

  close(): void {
    clearInterval(this.poller);
  }
}
