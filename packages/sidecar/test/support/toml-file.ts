/** Configuration files for tests, each a new file in one temporary directory. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const configDir = mkdtempSync(join(tmpdir(), 'latchkey-config-'));
let counter = 0;

export function tomlFile(text: string): string {
  const file = join(configDir, `config-${++counter}.toml`);
  writeFileSync(file, text);
  return file;
}
