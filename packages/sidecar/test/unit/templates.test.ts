/** `[[latchkey.render]]` templates read through any SecretReader, not only the SDK's SecretsCache: `serve` starts
 * them whatever reader the sidecar was built with. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTemplateRenderer } from '../../src/cli/render.js';
import { parseRenderTemplate } from '../../src/config/toml.js';
import { captureLogger, LineCapture } from '../support/capture.js';
import { FakeReader, secretValue } from '../support/fake-reader.js';

describe('templates', () => {
  it('render through a reader that is not a SecretsCache', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'latchkey-templates-')), 'db-password');
    const reader = new FakeReader().put(secretValue('app/db', JSON.stringify({ password: 'pw-7' })));
    const template = parseRenderTemplate(
      { path, secret: 'app/db', format: 'json-key', json_key: 'password' },
      'test',
      'render',
    );
    const renderer = startTemplateRenderer([template], reader, captureLogger(new LineCapture()));
    try {
      // The renderer writes with fsync and rename; a loaded machine can take longer than poll's default 1 s.
      await expect.poll(() => existsSync(path), { timeout: 10_000 }).toBe(true);
      expect(readFileSync(path, 'utf8')).toBe('pw-7');
    } finally {
      await renderer.close();
    }
  });
});
