/**
 * Query parameters, with the agent's rules: case-sensitive names, an unknown name is `400 unknown parameter:
 * <name>`, form-urlencoded values (`+` is a space), the last of a repeated parameter wins, and `refreshNow` takes
 * true/1/false/0 in any case. The batch route collects every `secretId`. The Parameter Store route takes the Lambda
 * extension's `name`, `version`, `label` and `withDecryption`.
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

/** `refreshNow` and `withDecryption`: true, 1, false or 0, in any case. */
function parseBoolean(value: string, name: string): boolean {
  switch (value.toLowerCase()) {
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
    default:
      throw new BadRequest(`invalid ${name} value`);
  }
}

function checkRoleArn(value: string | undefined): string | undefined {
  if (value !== undefined && !ROLE_ARN.test(value)) {
    throw new BadRequest('invalid roleArn format, expected arn:<partition>:iam::<account>:role/<name>');
  }
  return value;
}

/** Calls `onPair(target, name, value)` for each of the query's name/value pairs, form-urlencoded. Without `%` or
 * `+` there is nothing to decode, so the common case scans the string in place, with no URLSearchParams and no pair
 * arrays; both give the same pairs (empty segments skipped, a missing `=` is an empty value). The handlers are
 * module functions writing into `target`, not closures: a closure made per request costs an allocation and a trip
 * through V8's lazy-compile stub on its first call. */
function forEachPair<T>(
  query: string,
  onPair: (target: T, name: string, value: string) => void,
  target: T,
): void {
  if (query.includes('%') || query.includes('+')) {
    for (const [name, value] of new URLSearchParams(query)) onPair(target, name, value);
    return;
  }
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end < 0) end = query.length;
    if (end > start) {
      const eq = query.indexOf('=', start);
      if (eq < 0 || eq > end) onPair(target, query.slice(start, end), '');
      else onPair(target, query.slice(start, eq), query.slice(eq + 1, end));
    }
    start = end + 1;
  }
}

/** A SecretQuery being parsed. */
interface SecretQueryDraft {
  secretId: string | undefined;
  versionId: string | undefined;
  versionStage: string | undefined;
  refreshNow: boolean;
  roleArn: string | undefined;
  /** The id came from the path: a `secretId` parameter is then unknown. */
  readonly pathForm: boolean;
}

function onSecretPair(draft: SecretQueryDraft, name: string, value: string): void {
  switch (name) {
    case 'secretId':
      if (draft.pathForm) throw new BadRequest(`unknown parameter: ${name}`);
      draft.secretId = value;
      break;
    case 'versionId':
      draft.versionId = value;
      break;
    case 'versionStage':
      draft.versionStage = value;
      break;
    case 'refreshNow':
      draft.refreshNow = parseBoolean(value, name);
      break;
    case 'roleArn':
      draft.roleArn = value;
      break;
    default:
      throw new BadRequest(`unknown parameter: ${name}`);
  }
}

/** `/secretsmanager/get?secretId=…` (pathId undefined) or `<prefix><id>?…` (pathId the decoded id). */
export function parseSecretQuery(query: string, pathId: string | undefined): SecretQuery {
  const draft: SecretQueryDraft = {
    secretId: pathId,
    versionId: undefined,
    versionStage: undefined,
    refreshNow: false,
    roleArn: undefined,
    pathForm: pathId !== undefined,
  };
  if (query !== '') forEachPair(query, onSecretPair, draft);
  const { secretId, versionId, versionStage, refreshNow, roleArn } = draft;
  if (secretId === undefined || secretId === '') {
    throw new BadRequest(pathId === undefined ? 'missing parameter secretId' : 'missing secret ID');
  }
  return { secretId, versionId, versionStage, refreshNow, roleArn: checkRoleArn(roleArn) };
}

export interface BatchQuery {
  readonly secretIds: readonly string[];
  readonly roleArn: string | undefined;
}

/** A BatchQuery being parsed. */
interface BatchQueryDraft {
  readonly secretIds: string[];
  roleArn: string | undefined;
}

function onBatchPair(draft: BatchQueryDraft, name: string, value: string): void {
  if (name === 'secretId') {
    if (value === '') throw new BadRequest('missing parameter secretId');
    if (!draft.secretIds.includes(value)) draft.secretIds.push(value);
  } else if (name === 'roleArn') {
    draft.roleArn = value;
  } else {
    throw new BadRequest(`unknown parameter: ${name}`);
  }
}

export function parseBatchQuery(query: string): BatchQuery {
  const draft: BatchQueryDraft = { secretIds: [], roleArn: undefined };
  forEachPair(query, onBatchPair, draft);
  const { secretIds, roleArn } = draft;
  if (secretIds.length === 0) throw new BadRequest('missing parameter secretId');
  if (secretIds.length > MAX_BATCH_IDS)
    throw new BadRequest(`too many secretId parameters (at most ${MAX_BATCH_IDS})`);
  return { secretIds, roleArn: checkRoleArn(roleArn) };
}

export interface ParameterQuery {
  /** As asked, without a selector. */
  readonly name: string;
  readonly version: number | undefined;
  readonly label: string | undefined;
  readonly withDecryption: boolean;
}

/** A ParameterQuery being parsed. */
interface ParameterQueryDraft {
  name: string | undefined;
  version: number | undefined;
  label: string | undefined;
  withDecryption: boolean;
}

/** Parameter versions are whole numbers from 1. */
const PARAMETER_VERSION = /^[1-9][0-9]{0,14}$/;

function onParameterPair(draft: ParameterQueryDraft, name: string, value: string): void {
  switch (name) {
    case 'name':
      draft.name = value;
      break;
    case 'version':
      if (!PARAMETER_VERSION.test(value)) throw new BadRequest('invalid version value');
      draft.version = Number(value);
      break;
    case 'label':
      draft.label = value;
      break;
    case 'withDecryption':
      draft.withDecryption = parseBoolean(value, name);
      break;
    default:
      throw new BadRequest(`unknown parameter: ${name}`);
  }
}

/** `/systemsmanager/parameters/get?name=…[&version=…|&label=…][&withDecryption=true]`. */
export function parseParameterQuery(query: string): ParameterQuery {
  const draft: ParameterQueryDraft = {
    name: undefined,
    version: undefined,
    label: undefined,
    withDecryption: false,
  };
  forEachPair(query, onParameterPair, draft);
  const { name, version, label, withDecryption } = draft;
  if (name === undefined || name === '') throw new BadRequest('missing parameter name');
  if (label === '') throw new BadRequest('invalid label value');
  if (version !== undefined && label !== undefined)
    throw new BadRequest('version and label cannot be used together');
  return { name, version, label, withDecryption };
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
