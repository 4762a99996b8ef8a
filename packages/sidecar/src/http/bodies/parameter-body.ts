/**
 * The Parameter Store route's 200 body, as the Lambda extension sends it: GetParameter's answer,
 * `{"Parameter": {ARN, DataType, LastModifiedDate, Name, Selector, SourceResult, Type, Value, Version},
 * "ResultMetadata": {}}`, fields in the API's order (absent ones left out), LastModifiedDate in epoch seconds as in
 * the API's JSON. A Secrets Manager reference read through the SecretsCache is answered as Parameter Store answers
 * one: a SecureString of version 0 whose value is the secret's, the secret's metadata in SourceResult.
 */
import type { Parameter } from '@aws-sdk/client-ssm';
import type { SecretValue } from '@latchkey/sdk';
import { base64 } from './secret-body.js';

const epochSeconds = (date: Date | undefined) => (date === undefined ? undefined : date.getTime() / 1000);

export function parameterBody(parameter: Parameter): string {
  return JSON.stringify({
    Parameter: {
      ARN: parameter.ARN,
      DataType: parameter.DataType,
      LastModifiedDate: epochSeconds(parameter.LastModifiedDate),
      Name: parameter.Name,
      Selector: parameter.Selector,
      SourceResult: parameter.SourceResult,
      Type: parameter.Type,
      Value: parameter.Value,
      Version: parameter.Version,
    },
    ResultMetadata: {},
  });
}

/** The parameter `/aws/reference/secretsmanager/<id>` (named `name`, as asked) for the secret's `value`. */
export function secretReferenceParameter(name: string, value: SecretValue): Parameter {
  return {
    ARN: value.arn,
    DataType: 'text',
    LastModifiedDate: value.createdDate,
    Name: name,
    SourceResult: JSON.stringify({
      ARN: value.arn,
      CreatedDate: epochSeconds(value.createdDate),
      Name: value.name,
      VersionId: value.versionId,
      VersionStages: value.versionStages,
    }),
    Type: 'SecureString',
    Value: value.string ?? (value.binary === undefined ? undefined : base64(value.binary)),
    Version: 0,
  };
}
