import { SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';

/**
 * The Secrets Manager client the rotator uses. `SECRETS_MANAGER_ENDPOINT` is honoured as AWS's functions read it
 * (console and hosted deployments set it); without it the SDK applies the standard `AWS_ENDPOINT_URL_SECRETS_MANAGER`
 * and `AWS_ENDPOINT_URL` variables itself.
 */
export function createSecretsManagerClient(
  config: SecretsManagerClientConfig = {},
  env: NodeJS.ProcessEnv = process.env,
): SecretsManagerClient {
  const endpoint = env.SECRETS_MANAGER_ENDPOINT?.trim();
  return new SecretsManagerClient({ ...(endpoint ? { endpoint } : {}), maxAttempts: 5, ...config });
}
