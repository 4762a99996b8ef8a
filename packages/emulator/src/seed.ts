import { readFile } from 'node:fs/promises';
import { parseJsonText } from './json-text.js';
import type { SecretsManagerContext } from './secretsmanager/context.js';
import { Input } from './secretsmanager/input.js';
import type { Tag } from './secretsmanager/model.js';
import { createSecret } from './secretsmanager/secrets.js';
import type { SsmContext } from './ssm/context.js';
import type { ParameterType } from './ssm/model.js';
import { putParameter } from './ssm/parameters.js';

/** A secret to create at start-up (skipped when a secret of that name already exists, e.g. in the data file). */
export interface SeedSecret {
  Name: string;
  SecretString?: string;
  /** Base64-encoded. */
  SecretBinary?: string;
  Description?: string;
  Tags?: Tag[];
}

/** Creates the seed secrets through CreateSecret itself, so they get the same validation as API calls. */
export function applySeed(context: SecretsManagerContext, seed: SeedSecret[]): void {
  for (const secret of seed) {
    if (context.store.byExactName(secret.Name)) continue;
    createSecret(new Input({ ...secret }), context);
  }
}

/** A Parameter Store parameter to create at start-up (skipped when a parameter of that name already exists). */
export interface SeedParameter {
  Name: string;
  Value: string;
  /** Default String. */
  Type?: ParameterType;
  Description?: string;
}

/** Creates the seed parameters through PutParameter itself, so they get the same validation as API calls. */
export function applyParameterSeed(context: SsmContext, seed: SeedParameter[]): void {
  for (const parameter of seed) {
    if (context.store.get(parameter.Name)) continue;
    putParameter(new Input({ Type: 'String', ...parameter }), context);
  }
}

/**
 * Reads a seed file: a JSON array of SeedSecret, or an object mapping names to values (a string is stored as is,
 * anything else as its JSON text).
 */
export async function readSeedFile(path: string): Promise<SeedSecret[]> {
  const parsed = parseJsonText(
    await readFile(path, 'utf8'),
    () => new SyntaxError(`Seed file ${path} is not valid JSON.`),
  );
  if (Array.isArray(parsed)) return parsed as SeedSecret[];
  if (typeof parsed !== 'object' || parsed === null) {
    throw new TypeError(`Seed file ${path} must hold a JSON array of secrets or an object of name: value.`);
  }
  return Object.entries(parsed).map(([Name, value]) => ({
    Name,
    SecretString: typeof value === 'string' ? value : JSON.stringify(value),
  }));
}
