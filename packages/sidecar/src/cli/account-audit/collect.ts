/** Gathers what the audit needs of every secret: ListSecrets, then DescribeSecret and GetResourcePolicy each. */
import {
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  paginateListSecrets,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretFacts } from './types.js';

export interface CollectOptions {
  /** DescribeSecret/GetResourcePolicy calls in flight at once. Default 8. */
  readonly concurrency?: number;
  /** Called after each secret, for a progress indicator. */
  readonly onProgress?: (done: number, total: number) => void;
}

async function describe(client: SecretsManagerClient, arn: string): Promise<SecretFacts> {
  const description = await client.send(new DescribeSecretCommand({ SecretId: arn }));
  // A secret scheduled for deletion answers most operations, GetResourcePolicy included, with an error.
  const policy = description.DeletedDate
    ? undefined
    : await client.send(new GetResourcePolicyCommand({ SecretId: arn }));
  return {
    arn: description.ARN ?? arn,
    name: description.Name ?? arn,
    createdDate: description.CreatedDate,
    kmsKeyId: description.KmsKeyId,
    rotationEnabled: description.RotationEnabled,
    rotationRules: description.RotationRules,
    lastRotatedDate: description.LastRotatedDate,
    lastAccessedDate: description.LastAccessedDate,
    nextRotationDate: description.NextRotationDate,
    deletedDate: description.DeletedDate,
    versionIdsToStages: description.VersionIdsToStages,
    resourcePolicy: policy?.ResourcePolicy,
  };
}

export async function collectSecretFacts(
  client: SecretsManagerClient,
  options: CollectOptions = {},
): Promise<SecretFacts[]> {
  const arns: string[] = [];
  for await (const page of paginateListSecrets({ client }, { IncludePlannedDeletion: true })) {
    for (const entry of page.SecretList ?? []) if (entry.ARN) arns.push(entry.ARN);
  }
  const facts: SecretFacts[] = new Array(arns.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (let index = next++; index < arns.length; index = next++) {
      facts[index] = await describe(client, arns[index]!);
      options.onProgress?.(++done, arns.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, arns.length) }, worker));
  return facts;
}
