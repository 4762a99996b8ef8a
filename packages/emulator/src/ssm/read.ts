import { AwsError } from '../errors.js';
import type { OperationResult } from '../secretsmanager/context.js';
import { epochSeconds } from '../secretsmanager/fields.js';
import type { SsmContext, SsmOperation } from './context.js';
import { parameterNotFound, parameterVersionNotFound } from './errors.js';
import {
  findParameterVersion,
  latestVersion,
  type Parameter,
  type ParameterVersion,
  versionWithLabel,
} from './model.js';
import { parseParameterRequest, readParameterName } from './names.js';
import { isSecretReference, readSecretReference } from './reference.js';

/** GetParameter and GetParameters. */

function parameterMembers(
  context: SsmContext,
  parameter: Parameter,
  selector: string | undefined,
  version: ParameterVersion,
  withDecryption: boolean,
): OperationResult {
  const arn = context.store.arnOf(parameter.name);
  const sealed = version.type === 'SecureString' && !withDecryption;
  return {
    Name: parameter.name,
    Type: version.type,
    Value: sealed ? context.sealer.seal(arn, version.version, version.value) : version.value,
    Version: version.version,
    Selector: selector,
    LastModifiedDate: epochSeconds(version.modifiedAt),
    ARN: arn,
    DataType: version.dataType,
  };
}

/** The Parameter member for one requested name (a name, an ARN or a secret reference, each with a selector). */
function readParameter(context: SsmContext, requested: string, withDecryption: boolean): OperationResult {
  if (isSecretReference(requested)) return readSecretReference(context, requested, withDecryption);
  const request = parseParameterRequest(requested, context.store.account);
  const parameter = request && context.store.get(request.name);
  if (!request || !parameter) throw parameterNotFound(request?.name ?? requested);
  const { name, selector, version, label } = request;
  const selected =
    version !== undefined
      ? findParameterVersion(parameter, version)
      : label !== undefined
        ? versionWithLabel(parameter, label)
        : latestVersion(parameter);
  if (!selected) throw parameterVersionNotFound(name, selector!);
  return parameterMembers(context, parameter, selector, selected, withDecryption);
}

export const getParameter: SsmOperation = (input, context) => {
  const requested = readParameterName(input);
  const withDecryption = input.boolean('WithDecryption') ?? false;
  return { Parameter: readParameter(context, requested, withDecryption) };
};

/** Names that cannot be read go to InvalidParameters, as asked; any other error fails the whole call. */
export const getParameters: SsmOperation = (input, context) => {
  const names = input.required(
    'Names',
    input.stringList('Names', { min: 1, max: 10 }, { min: 1, max: 2048 }),
  );
  const withDecryption = input.boolean('WithDecryption') ?? false;
  const Parameters: OperationResult[] = [];
  const InvalidParameters: string[] = [];
  for (const requested of new Set(names)) {
    try {
      Parameters.push(readParameter(context, requested, withDecryption));
    } catch (error) {
      const missing =
        error instanceof AwsError &&
        (error.type === 'ParameterNotFound' || error.type === 'ParameterVersionNotFound');
      if (!missing) throw error;
      InvalidParameters.push(requested);
    }
  }
  return { Parameters, InvalidParameters };
};
