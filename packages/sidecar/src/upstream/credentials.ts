/**
 * The sidecar's AWS credentials: the agent's start-up check (`validate_credentials`), and whether the last upstream
 * read failed for credentials, which `/ready` reports.
 */
import type { SecretsError } from '@latchkey/sdk';
import type { SidecarConfig } from '../config/schema.js';
import { awsClientConfig, stsClientConfig } from './aws.js';
import type { SecretReader } from './readers.js';

/** Error codes that say the credentials are missing, malformed, expired or unknown (not that they lack a permission). */
const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'ExpiredTokenException',
  'ExpiredToken',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
]);

export function isCredentialsError(code: string | undefined): boolean {
  return code !== undefined && CREDENTIAL_ERRORS.has(code);
}

/** Where the AWS SDK looks for credentials, in order. */
const CREDENTIAL_CHAIN =
  "the AWS SDK's default credential chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, the shared config and " +
  'credentials files and AWS_PROFILE, SSO, web identity, ECS container credentials, EC2 instance metadata)';

/**
 * The agent's `validate_credentials`: STS GetCallerIdentity at start-up. Returns the failure to report, if any.
 * Missing or rejected credentials always fail; other transient failures pass when `ignore_transient_errors` is set.
 * Skipped with `credentials_file_path`, as in the agent.
 */
export async function checkCredentials(config: SidecarConfig): Promise<Error | undefined> {
  if (!config.validateCredentials || config.credentialsFilePath !== undefined) return undefined;
  const clientConfig = awsClientConfig(config);
  const { GetCallerIdentityCommand, STSClient } = await import('@aws-sdk/client-sts');
  const sts = new STSClient(stsClientConfig(config, clientConfig));
  try {
    await sts.send(new GetCallerIdentityCommand({}));
    return undefined;
  } catch (error) {
    const { $fault, $metadata, name, message } = error as {
      $fault?: string;
      $metadata?: { httpStatusCode?: number };
      name?: string;
      message?: string;
    };
    const credentials = isCredentialsError(name);
    const transient =
      !credentials &&
      ($fault === 'server' ||
        ($metadata?.httpStatusCode ?? 0) >= 500 ||
        name === 'TimeoutError' ||
        $metadata === undefined);
    if (transient && config.ignoreTransientErrors) return undefined;
    const what =
      name === 'CredentialsProviderError'
        ? `No AWS credentials found in ${CREDENTIAL_CHAIN}`
        : credentials
          ? `The AWS credentials found in ${CREDENTIAL_CHAIN} were rejected`
          : 'Could not validate the AWS credentials';
    return new Error(
      `${what}: sts:GetCallerIdentity failed (${name}: ${message}). validate_credentials is true: provide credentials, or set validate_credentials = false (--validate-credentials false) to start without this check`,
    );
  } finally {
    sts.destroy();
  }
}

/** Whether the last upstream read of the readers it watches failed for credentials. */
export class CredentialStatus {
  failing: SecretsError | undefined;

  /** Follows `reader`'s upstream reads; returns it. */
  watch<Reader extends SecretReader>(reader: Reader): Reader {
    reader.on('refresh', () => {
      this.failing = undefined;
    });
    reader.on('error', ({ error }) => {
      this.failing = isCredentialsError(error.upstreamCode) ? error : undefined;
    });
    return reader;
  }
}
