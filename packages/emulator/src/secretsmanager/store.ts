import { randomInt } from 'node:crypto';
import { ChangeTracked } from '../change-tracked.js';
import { invalidParameter, invalidRequest, resourceNotFound } from '../errors.js';
import type { Secret } from './model.js';

export interface Account {
  partition: string;
  region: string;
  accountId: string;
}

const SECRET_ARN = /^arn:([\w-]+):secretsmanager:([\w-]*):(\d{12}):secret:(.+)$/;
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export const MARKED_FOR_DELETION =
  "You can't perform this operation on the secret because it was marked for deletion.";

/**
 * Every secret of one account and region, indexed by ARN and by name. A secret scheduled for deletion keeps
 * its name until its deletion date passes; it is purged lazily, on the next look-up.
 */
export class SecretStore extends ChangeTracked {
  private readonly byArn = new Map<string, Secret>();
  private readonly byName = new Map<string, Secret>();

  constructor(
    readonly account: Account,
    private readonly now: () => number,
  ) {
    super();
  }

  newArn(name: string): string {
    const { partition, region, accountId } = this.account;
    let suffix = '';
    for (let i = 0; i < 6; i++) suffix += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
    return `arn:${partition}:secretsmanager:${region}:${accountId}:secret:${name}-${suffix}`;
  }

  insert(secret: Secret): void {
    this.byArn.set(secret.arn, secret);
    this.byName.set(secret.name, secret);
    this.markChanged();
  }

  remove(secret: Secret): void {
    this.byArn.delete(secret.arn);
    if (this.byName.get(secret.name) === secret) this.byName.delete(secret.name);
    this.markChanged();
  }

  /** All secrets, oldest first, after purging those whose recovery window has ended. */
  all(): Secret[] {
    for (const secret of [...this.byArn.values()]) this.purgeIfExpired(secret);
    return [...this.byArn.values()];
  }

  get size(): number {
    return this.byArn.size;
  }

  byExactName(name: string): Secret | undefined {
    const secret = this.byName.get(name);
    return secret && !this.purgeIfExpired(secret) ? secret : undefined;
  }

  /**
   * Finds a secret by name, full ARN or partial ARN (an ARN without the random suffix), as AWS does;
   * undefined when there is none. An ARN of another account or region names no secret here.
   */
  lookup(secretId: string): Secret | undefined {
    if (!secretId.startsWith('arn:')) return this.byExactName(secretId);
    const match = SECRET_ARN.exec(secretId);
    if (!match) {
      throw invalidParameter(`The SecretId ${secretId} is not a valid Secrets Manager secret ARN.`);
    }
    const [, partition, region, accountId, resource] = match;
    const { account } = this;
    if (partition !== account.partition || region !== account.region || accountId !== account.accountId) {
      return undefined;
    }
    const exact = this.byArn.get(secretId);
    if (exact && !this.purgeIfExpired(exact)) return exact;
    return this.byExactName(resource!);
  }

  /** Like lookup, but answers AWS's errors: not found, or (unless allowed) scheduled for deletion. */
  resolve(secretId: string, options: { allowDeleted?: boolean } = {}): Secret {
    const secret = this.lookup(secretId);
    if (!secret) throw resourceNotFound("Secrets Manager can't find the specified secret.");
    if (secret.deletedAt !== undefined && !options.allowDeleted) throw invalidRequest(MARKED_FOR_DELETION);
    return secret;
  }

  private purgeIfExpired(secret: Secret): boolean {
    if (secret.deletionDate === undefined || secret.deletionDate > this.now()) return false;
    this.remove(secret);
    return true;
  }
}
