import { invalidNextToken } from '../errors.js';

/**
 * Offset pagination with opaque tokens. A token is bound to the operation that issued it, so a token from
 * another operation (or a made-up one) is refused the way AWS refuses it.
 */
export function paginate<T>(
  operation: string,
  items: T[],
  maxResults: number,
  nextToken: string | undefined,
): { page: T[]; nextToken?: string } {
  let start = 0;
  if (nextToken !== undefined) {
    const decoded = Buffer.from(nextToken, 'base64url').toString('utf8');
    const [tokenOperation, offset] = decoded.split(':');
    start = Number(offset);
    if (tokenOperation !== operation || !Number.isInteger(start) || start < 0) {
      throw invalidNextToken('The NextToken value is invalid.');
    }
  }
  const end = start + maxResults;
  const page = items.slice(start, end);
  return end < items.length
    ? { page, nextToken: Buffer.from(`${operation}:${end}`).toString('base64url') }
    : { page };
}
