import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERVE_HELP } from '../../src/cli/serve.js';
import { readmeWithTables } from '../../src/config/reference.js';
import { SETTINGS } from '../../src/config/settings.js';

describe('the settings table', () => {
  it('is what the README says (npm run readme -w @latchkey/sidecar rewrites the README from it)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme, 'the README is out of date: run npm run readme -w @latchkey/sidecar').toBe(
      readmeWithTables(readme),
    );
  });

  it('gives every key a flag in serve --help, except the tables of clients and render templates', () => {
    const withoutFlag = SETTINGS.filter((setting) => setting.key !== undefined && setting.flag === undefined);
    expect(withoutFlag.map((setting) => setting.key)).toEqual(['latchkey.clients', 'latchkey.render']);
    for (const setting of SETTINGS.filter((item) => item.flag !== undefined))
      expect(SERVE_HELP).toContain(`--${setting.flag}`);
  });
});
