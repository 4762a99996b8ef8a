import type { SsmOperation } from './context.js';
import { deleteParameter, labelParameterVersion, putParameter } from './parameters.js';
import { getParameter, getParameters } from './read.js';

/** The X-Amz-Target prefix of Systems Manager (AWS JSON 1.1): `AmazonSSM.GetParameter`. */
export const SSM_TARGET_PREFIX = 'AmazonSSM.';

/** Every Parameter Store operation the emulator answers, by its X-Amz-Target name. */
export const ssmOperations: Readonly<Record<string, SsmOperation>> = {
  DeleteParameter: deleteParameter,
  GetParameter: getParameter,
  GetParameters: getParameters,
  LabelParameterVersion: labelParameterVersion,
  PutParameter: putParameter,
};
