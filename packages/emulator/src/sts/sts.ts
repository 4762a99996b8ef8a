import { createHash, randomBytes } from 'node:crypto';
import { AwsError } from '../errors.js';

/**
 * STS for the calls Latchkey makes: AssumeRole (temporary credentials that expire) and GetCallerIdentity. The
 * emulator does not check signatures; it identifies the caller by the access key id of the SigV4 Authorization
 * header. Keys AssumeRole issued map to the assumed role; every other key is an IAM user of the emulator's account.
 */

export interface Principal {
  arn: string;
  userId: string;
  account: string;
  /** Set for credentials AssumeRole issued. */
  session?: Session;
}

interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: number;
  roleArn: string;
  assumedRoleArn: string;
  assumedRoleId: string;
  account: string;
}

export interface RoleSettings {
  /** AssumeRole must pass exactly this ExternalId (the confused-deputy guard of a trust policy). */
  externalId?: string;
  /** The role's MaxSessionDuration, 3600 to 43200 seconds; AWS's default is 3600. */
  maxSessionDurationSeconds?: number;
}

export const STS_OPERATIONS = ['AssumeRole', 'GetCallerIdentity'];

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

const validationError = (message: string) => new AwsError('ValidationError', message);

function randomKey(prefix: string, length: number): string {
  const bytes = randomBytes(length);
  let key = prefix;
  for (const byte of bytes) key += KEY_ALPHABET[byte % KEY_ALPHABET.length];
  return key;
}

/** A stable IAM-style unique id derived from a name, so the same role or key always gets the same id. */
function stableId(prefix: string, name: string): string {
  const digest = createHash('sha256').update(name).digest();
  let id = prefix;
  for (let i = 0; i < 17; i++) id += KEY_ALPHABET[digest[i]! % KEY_ALPHABET.length];
  return id;
}

export class StsService {
  private readonly sessions = new Map<string, Session>();
  private readonly roles = new Map<string, RoleSettings>();

  constructor(
    private readonly accountId: string,
    private readonly now: () => number,
  ) {}

  configureRole(roleArn: string, settings: RoleSettings): void {
    if (!ROLE_ARN.test(roleArn)) throw new TypeError(`${roleArn} is not an IAM role ARN.`);
    this.roles.set(roleArn, settings);
  }

  /** Who a request comes from, or AWS's authentication error for it. */
  identify(accessKeyId: string | undefined, sessionToken: string | undefined): Principal {
    if (!accessKeyId)
      throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token');
    const session = this.sessions.get(accessKeyId);
    if (!session) {
      return {
        arn: `arn:aws:iam::${this.accountId}:user/latchkey-emulator`,
        userId: stableId('AIDA', accessKeyId),
        account: this.accountId,
      };
    }
    if (sessionToken !== session.sessionToken) {
      throw new AwsError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    }
    if (this.now() >= session.expiresAt) {
      throw new AwsError('ExpiredTokenException', 'The security token included in the request is expired');
    }
    return { arn: session.assumedRoleArn, userId: session.assumedRoleId, account: session.account, session };
  }

  getCallerIdentity(caller: Principal): Record<string, string> {
    return { Arn: caller.arn, UserId: caller.userId, Account: caller.account };
  }

  assumeRole(params: URLSearchParams, caller: Principal) {
    const roleArn = params.get('RoleArn');
    const sessionName = params.get('RoleSessionName');
    if (!roleArn)
      throw validationError(
        "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
      );
    if (!sessionName) {
      throw validationError(
        "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null",
      );
    }
    const role = ROLE_ARN.exec(roleArn);
    if (!role)
      throw validationError(
        `${roleArn} is invalid: RoleArn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>).`,
      );
    if (!SESSION_NAME.test(sessionName)) {
      throw validationError(
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*, length 2 to 64`,
      );
    }
    const settings = this.roles.get(roleArn) ?? {};
    const externalId = params.get('ExternalId');
    if (externalId !== null && !EXTERNAL_ID.test(externalId)) {
      throw validationError(
        "1 validation error detected: Value at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*, length 2 to 1224",
      );
    }
    if (settings.externalId !== undefined && externalId !== settings.externalId) {
      throw new AwsError(
        'AccessDenied',
        `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        403,
      );
    }
    const durationText = params.get('DurationSeconds');
    const duration = durationText === null ? 3600 : Number(durationText);
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
      throw validationError(
        `1 validation error detected: Value '${durationText}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
      );
    }
    // Role chaining (assuming a role with role credentials) is limited to one hour, as in AWS.
    const maxDuration = caller.session ? 3600 : (settings.maxSessionDurationSeconds ?? 3600);
    if (duration > maxDuration) {
      throw validationError(
        `The requested DurationSeconds exceeds the ${caller.session ? '1 hour session limit for roles assumed by role chaining' : 'MaxSessionDuration set for this role'}.`,
      );
    }
    const [, account, roleName] = role as unknown as [string, string, string];
    const assumedRoleId = `${stableId('AROA', roleArn)}:${sessionName}`;
    const session: Session = {
      accessKeyId: randomKey('ASIA', 16),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(96).toString('base64'),
      expiresAt: this.now() + duration * 1000,
      roleArn,
      assumedRoleArn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
      assumedRoleId,
      account,
    };
    this.sessions.set(session.accessKeyId, session);
    return {
      Credentials: {
        AccessKeyId: session.accessKeyId,
        SecretAccessKey: session.secretAccessKey,
        SessionToken: session.sessionToken,
        Expiration: new Date(session.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
      AssumedRoleUser: { AssumedRoleId: assumedRoleId, Arn: session.assumedRoleArn },
    };
  }
}
