import { AwsError } from '../errors.js';
import type { Input } from '../secretsmanager/input.js';
import type { SsmOperation } from './context.js';
import {
  parameterAlreadyExists,
  parameterNotFound,
  parameterVersionNotFound,
  ssmValidation,
} from './errors.js';
import {
  DATA_TYPES,
  findParameterVersion,
  latestVersion,
  PARAMETER_TYPES,
  type Parameter,
  type ParameterType,
  type ParameterVersion,
} from './model.js';
import { readNewParameterName, readParameterName } from './names.js';

/** PutParameter, DeleteParameter, LabelParameterVersion. */

/** AWS keeps the 100 most recent versions of a parameter; the oldest goes when a 101st is put. */
const MAX_VERSIONS = 100;
const MAX_LABELS_PER_VERSION = 10;
const LABEL_CHARACTERS = /^[a-zA-Z0-9_.-]+$/;
/** Labels can't begin with a digit (they would read as a version selector) nor with aws or ssm. */
const LABEL_FORBIDDEN_START = /^([0-9]|aws|ssm)/i;
/** The Standard tier's limit; the emulator has no Advanced tier. */
const MAX_VALUE_LENGTH = 4096;

function readType(input: Input): ParameterType | undefined {
  const type = input.string('Type');
  if (type !== undefined && !PARAMETER_TYPES.includes(type as ParameterType)) {
    throw ssmValidation(`Type ${JSON.stringify(type)} is invalid: use one of ${PARAMETER_TYPES.join(', ')}.`);
  }
  return type as ParameterType | undefined;
}

function readDataType(input: Input): string {
  const dataType = input.string('DataType', { min: 0, max: 128 }) ?? 'text';
  if (!(DATA_TYPES as readonly string[]).includes(dataType)) {
    throw ssmValidation(
      `DataType ${JSON.stringify(dataType)} is not supported: use one of ${DATA_TYPES.join(', ')}.`,
    );
  }
  return dataType;
}

/** A new version of `parameter`, making room by dropping the oldest unless a label still points at it. */
function appendVersion(parameter: Parameter, version: ParameterVersion): void {
  if (parameter.versions.length >= MAX_VERSIONS) {
    const oldest = parameter.versions[0]!;
    if (oldest.labels.length > 0) {
      throw new AwsError(
        'ParameterMaxVersionLimitExceeded',
        `Parameter ${parameter.name} has ${MAX_VERSIONS} versions and its oldest, version ${oldest.version}, has labels (${oldest.labels.join(', ')}); move them to another version and try again.`,
      );
    }
    parameter.versions.shift();
  }
  parameter.versions.push(version);
}

export const putParameter: SsmOperation = (input, { store, now }) => {
  const name = readNewParameterName(input);
  const value = input.requiredString('Value', { min: 1, max: MAX_VALUE_LENGTH });
  const type = readType(input);
  const overwrite = input.boolean('Overwrite') ?? false;
  const description = input.string('Description', { min: 0, max: 1024 });
  const dataType = readDataType(input);
  // Accepted and not used: the emulator has one tier, no KMS, no tagging API and no parameter policies.
  input.string('Tier');
  input.string('KeyId', { min: 1, max: 2048 });
  input.string('AllowedPattern', { min: 0, max: 1024 });
  input.string('Policies', { min: 1, max: 4096 });
  const tags = input.list('Tags', { max: 1000 });
  if (tags && overwrite) {
    throw ssmValidation(
      "Tags and Overwrite can't be used together: tags can only be given when a parameter is created.",
    );
  }
  const existing = store.get(name);
  if (existing && !overwrite) throw parameterAlreadyExists();
  const previous = existing && latestVersion(existing);
  if (!previous && type === undefined) {
    throw ssmValidation(
      `Type is required to create parameter ${name}: use one of ${PARAMETER_TYPES.join(', ')}.`,
    );
  }
  if (previous && type !== undefined && type !== previous.type) {
    throw new AwsError(
      'HierarchyTypeMismatchException',
      `Parameter ${name} is a ${previous.type}; its type can't be changed to ${type}. Create a new parameter instead.`,
    );
  }
  const version: ParameterVersion = {
    version: (previous?.version ?? 0) + 1,
    type: type ?? previous!.type,
    value,
    description: description ?? previous?.description,
    dataType,
    labels: [],
    modifiedAt: now(),
  };
  if (existing) appendVersion(existing, version);
  else store.insert({ name, versions: [version] });
  store.markChanged();
  return { Version: version.version, Tier: 'Standard' };
};

export const deleteParameter: SsmOperation = (input, { store }) => {
  const name = readParameterName(input);
  const parameter = store.get(name);
  if (!parameter) throw parameterNotFound(name);
  store.remove(parameter);
  return {};
};

const isValidLabel = (label: string) => LABEL_CHARACTERS.test(label) && !LABEL_FORBIDDEN_START.test(label);

/**
 * Attaches labels to one version (the latest by default), moving each from whichever version held it. Labels
 * that break the naming rules are not attached and come back in InvalidLabels, as on AWS.
 */
export const labelParameterVersion: SsmOperation = (input, { store }) => {
  const name = readParameterName(input);
  const requestedVersion = input.integer('ParameterVersion');
  const labels = input.required(
    'Labels',
    input.stringList('Labels', { min: 1, max: MAX_LABELS_PER_VERSION }, { min: 1, max: 100 }),
  );
  const parameter = store.get(name);
  if (!parameter) throw parameterNotFound(name);
  const target =
    requestedVersion === undefined
      ? latestVersion(parameter)
      : findParameterVersion(parameter, requestedVersion);
  if (!target) throw parameterVersionNotFound(name, `:${requestedVersion}`);
  const valid = [...new Set(labels.filter(isValidLabel))];
  const added = valid.filter((label) => !target.labels.includes(label));
  if (target.labels.length + added.length > MAX_LABELS_PER_VERSION) {
    throw new AwsError(
      'ParameterVersionLabelLimitExceeded',
      `Version ${target.version} of parameter ${name} would have ${target.labels.length + added.length} labels; a version can have at most ${MAX_LABELS_PER_VERSION}.`,
    );
  }
  for (const label of added) {
    for (const version of parameter.versions) version.labels = version.labels.filter((l) => l !== label);
    target.labels.push(label);
  }
  if (added.length > 0) store.markChanged();
  return {
    InvalidLabels: labels.filter((label) => !isValidLabel(label)),
    ParameterVersion: target.version,
  };
};
