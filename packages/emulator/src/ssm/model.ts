/** The stored state of Parameter Store: plain data, so it serialises to the data file as is. */

export const PARAMETER_TYPES = ['String', 'StringList', 'SecureString'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export const DATA_TYPES = ['text', 'aws:ec2:image', 'aws:ssm:integration'] as const;

/** One value a PutParameter wrote. Type and Description belong to the version, as GetParameterHistory shows. */
export interface ParameterVersion {
  /** 1, 2, 3, ... in the order the puts happened. */
  version: number;
  type: ParameterType;
  /** Kept in clear text even for SecureString: the emulator has no KMS (see secure-string.ts). */
  value: string;
  description?: string;
  dataType: string;
  labels: string[];
  modifiedAt: number;
}

export interface Parameter {
  name: string;
  /** Oldest first; the last one is the parameter's current value. */
  versions: ParameterVersion[];
}

export function latestVersion(parameter: Parameter): ParameterVersion {
  return parameter.versions.at(-1)!;
}

export function findParameterVersion(parameter: Parameter, version: number): ParameterVersion | undefined {
  return parameter.versions.find((candidate) => candidate.version === version);
}

export function versionWithLabel(parameter: Parameter, label: string): ParameterVersion | undefined {
  return parameter.versions.find((candidate) => candidate.labels.includes(label));
}
