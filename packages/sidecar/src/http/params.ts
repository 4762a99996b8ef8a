/**
 * Query parameters, with the agent's rules: case-sensitive names, an unknown name is `400 unknown parameter:
 * <name>`, form-urlencoded values (`+` is a space), the last of a repeated parameter wins, and `refreshNow` takes
 * true/1/false/0 in any case. The batch route collects every `secretId`.
 */

/** A 400 with a plain-text body, as the agent answers parameter errors. */
export class BadRequest extends Error {
  override readonly name = 'BadRequest';
}

export interface SecretQuery {
  readonly secretId: string;
  readonly versionId: string | undefined;
  readonly versionStage: string | undefined;
  readonly refreshNow: boolean;
  readonly roleArn: string | undefined;
}

const ROLE_ARN = /^arn:[\w-]+:iam::\d{12}:role\/[\w+=,.@/-]+$/;
export const MAX_BATCH_IDS = 20;

function parseRefreshNow(value: string): boolean {
  switch (value.toLowerCase()) {
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
    default:
      throw new BadRequest('invalid refreshNow value');
  }
}

function checkRoleArn(value: string | undefined): string | undefined {
  if (value !== undefined && !ROLE_ARN.test(value)) {
    throw new BadRequest('invalid roleArn format, expected arn:<partition>:iam::<account>:role/<name>');
  }
  return value;
}

/** Calls `onPair` for each of the query's name/value pairs, form-urlencoded. Without `%` or `+` there is nothing
 * to decode, so the common case scans the string in place, with no URLSearchParams and no pair arrays; both give
 * the same pairs (empty segments skipped, a missing `=` is an empty value). */
function forEachPair(query: string, onPair: (name: string, value: string) => void): void {
  if (query.includes('%') || query.includes('+')) {
    for (const [name, value] of new URLSearchParams(query)) onPair(name, value);
    return;
  }
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end < 0) end = query.length;
    if (end > start) {
      const eq = query.indexOf('=', start);
      if (eq < 0 || eq > end) onPair(query.slice(start, end), '');
      else onPair(query.slice(start, eq), query.slice(eq + 1, end));
    }
    start = end + 1;
  }
}

/** `/secretsmanager/get?secretId=…` (pathId undefined) or `<prefix><id>?…` (pathId the decoded id). */
export function parseSecretQuery(query: string, pathId: string | undefined): SecretQuery {
  let secretId = pathId;
  let versionId: string | undefined;
  let versionStage: string | undefined;
  let refreshNow = false;
  let roleArn: string | undefined;
  if (query !== '') {
    forEachPair(query, (name, value) => {
      switch (name) {
        case 'secretId':
          if (pathId !== undefined) throw new BadRequest(`unknown parameter: ${name}`);
          secretId = value;
          break;
        case 'versionId':
          versionId = value;
          break;
        case 'versionStage':
          versionStage = value;
          break;
        case 'refreshNow':
          refreshNow = parseRefreshNow(value);
          break;
        case 'roleArn':
          roleArn = value;
          break;
        default:
          throw new BadRequest(`unknown parameter: ${name}`);
      }
    });
  }
  if (secretId === undefined || secretId === '') {
    throw new BadRequest(pathId === undefined ? 'missing parameter secretId' : 'missing secret ID');
  }
  return { secretId, versionId, versionStage, refreshNow, roleArn: checkRoleArn(roleArn) };
}

export interface BatchQuery {
  readonly secretIds: readonly string[];
  readonly roleArn: string | undefined;
}

export function parseBatchQuery(query: string): BatchQuery {
  const secretIds: string[] = [];
  let roleArn: string | undefined;
  forEachPair(query, (name, value) => {
    if (name === 'secretId') {
      if (value === '') throw new BadRequest('missing parameter secretId');
      if (!secretIds.includes(value)) secretIds.push(value);
    } else if (name === 'roleArn') {
      roleArn = value;
    } else {
      throw new BadRequest(`unknown parameter: ${name}`);
    }
  });
  if (secretIds.length === 0) throw new BadRequest('missing parameter secretId');
  if (secretIds.length > MAX_BATCH_IDS)
    throw new BadRequest(`too many secretId parameters (at most ${MAX_BATCH_IDS})`);
  return { secretIds, roleArn: checkRoleArn(roleArn) };
}

/** The id of the path form: the rest of the path after the prefix, percent-decoded (the agent does not decode;
 * secret names cannot contain `%`, so decoding only helps clients that encode `/` or spaces). */
export function pathFormId(rest: string): string {
  try {
    return decodeURIComponent(rest);
  } catch {
    throw new BadRequest('invalid percent-encoding in secret ID');
  }
}
