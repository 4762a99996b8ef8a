import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetRandomPasswordCommand,
  type GetRandomPasswordCommandInput,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { SecretsManagerCallError } from '../errors.js';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';
export const AWSPREVIOUS = 'AWSPREVIOUS';

function upstreamName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** The Secrets Manager calls the protocol makes, with AWS errors turned into ours (no request data in them). */
export class SecretStore {
  constructor(private readonly client: SecretsManagerClient) {}

  private async call<T>(operation: string, secretId: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new SecretsManagerCallError(operation, upstreamName(error), { secretId, cause: error });
    }
  }

  describe(secretId: string): Promise<DescribeSecretCommandOutput> {
    return this.call('DescribeSecret', secretId, () =>
      this.client.send(new DescribeSecretCommand({ SecretId: secretId })),
    );
  }

  /**
   * The SecretString of a version, or undefined when it has none: the stage is on no version, or the version is
   * the empty AWSPENDING placeholder the service creates before createSecret (ResourceNotFoundException).
   */
  async getString(
    secretId: string,
    select: { stage: string; versionId?: string },
  ): Promise<string | undefined> {
    try {
      const output = await this.client.send(
        new GetSecretValueCommand({
          SecretId: secretId,
          VersionStage: select.stage,
          VersionId: select.versionId,
        }),
      );
      return output.SecretString;
    } catch (error) {
      if (upstreamName(error) === 'ResourceNotFoundException') return undefined;
      throw new SecretsManagerCallError('GetSecretValue', upstreamName(error), { secretId, cause: error });
    }
  }

  async randomPassword(secretId: string, request: GetRandomPasswordCommandInput): Promise<string> {
    const output = await this.call('GetRandomPassword', secretId, () =>
      this.client.send(new GetRandomPasswordCommand(request)),
    );
    if (!output.RandomPassword)
      throw new SecretsManagerCallError('GetRandomPassword', 'EmptyResponse', { secretId });
    return output.RandomPassword;
  }

  /**
   * Stores the pending value under the token. Returns false when another writer already stored a different
   * value for this token (ResourceExistsException), so the caller keeps that one.
   */
  async putPending(
    secretId: string,
    token: string,
    secretString: string,
    rotationToken: string | undefined,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          ClientRequestToken: token,
          SecretString: secretString,
          VersionStages: [AWSPENDING],
          ...(rotationToken === undefined ? {} : { RotationToken: rotationToken }),
        }),
      );
      return true;
    } catch (error) {
      if (upstreamName(error) === 'ResourceExistsException') return false;
      // The cause is dropped: the SDK error may echo request fields.
      throw new SecretsManagerCallError('PutSecretValue', upstreamName(error), { secretId });
    }
  }

  /** Takes a stage off a version (the service's clean-up of AWSPENDING once a rotation has finished). */
  async removeStage(secretId: string, stage: string, fromVersionId: string): Promise<void> {
    await this.call('UpdateSecretVersionStage', secretId, () =>
      this.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: stage,
          RemoveFromVersionId: fromVersionId,
        }),
      ),
    );
  }

  async moveCurrent(secretId: string, toVersionId: string, fromVersionId: string | undefined): Promise<void> {
    await this.call('UpdateSecretVersionStage', secretId, () =>
      this.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: AWSCURRENT,
          MoveToVersionId: toVersionId,
          ...(fromVersionId === undefined ? {} : { RemoveFromVersionId: fromVersionId }),
        }),
      ),
    );
  }
}

/** The id of the version holding `stage`, from DescribeSecret's VersionIdsToStages. */
export function versionWithStage(metadata: DescribeSecretCommandOutput, stage: string): string | undefined {
  for (const [versionId, stages] of Object.entries(metadata.VersionIdsToStages ?? {})) {
    if (stages.includes(stage)) return versionId;
  }
  return undefined;
}
