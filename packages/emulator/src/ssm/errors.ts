import { AwsError } from '../errors.js';

/**
 * Parameter Store's own error codes (the SSM SDK maps each to an exception class of that name). Messages name the
 * parameter, never its value.
 */

export const parameterNotFound = (name: string) =>
  new AwsError('ParameterNotFound', `Parameter ${name} not found.`);

export const parameterVersionNotFound = (name: string, selector: string) =>
  new AwsError(
    'ParameterVersionNotFound',
    `Parameter ${name} has no version or label ${selector.slice(1)} (selector ${selector}).`,
  );

export const parameterAlreadyExists = () =>
  new AwsError(
    'ParameterAlreadyExists',
    'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
  );

/** Parameter Store's semantic checks (names, types, selectors), worded by the emulator, naming the member. */
export const ssmValidation = (message: string) => new AwsError('ValidationException', message);
