/**
 * Keeps `[[latchkey.render]]` files (or `latchkey render` flags) up to date: renders each once, then re-renders
 * when a referenced secret changes (the cache's onChange), writing atomically and running the template's command
 * after each change. Used by `latchkey render` and by `latchkey serve` when its configuration has templates.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { parseSecretReference, resolveReference, type SecretReference } from '@latchkey/sdk';
import type { RenderTemplate } from '../config/schema.js';
import type { Logger } from '../logger.js';
import type { SecretReader } from '../upstream/readers.js';
import { writeFileAtomic } from './atomic-write.js';
import { dotenvFromJson, dotenvLines, secretJson } from './format.js';

async function read(reader: SecretReader, ref: SecretReference) {
  return (await reader.lookup(ref.secretId, { versionStage: ref.versionStage, versionId: ref.versionId }))
    .value;
}

/** The file content of a template, from the current values. */
export async function renderTemplate(template: RenderTemplate, reader: SecretReader): Promise<Uint8Array> {
  if (template.env !== undefined) {
    const entries: [string, string][] = [];
    for (const [name, text] of Object.entries(template.env)) {
      entries.push([name, await resolveReference(reader, parseSecretReference(text))]);
    }
    return Buffer.from(dotenvLines(`the env template for ${template.path}`, entries), 'utf8');
  }
  const parsed = parseSecretReference(template.secret as string);
  const ref = template.jsonKey === undefined ? parsed : { ...parsed, jsonKey: template.jsonKey };
  if (template.format === 'json-key' || (template.format === 'raw' && ref.jsonKey !== undefined)) {
    return Buffer.from(await resolveReference(reader, ref), 'utf8');
  }
  const value = await read(reader, ref);
  switch (template.format) {
    case 'raw':
      return value.binary ?? Buffer.from(value.string ?? '', 'utf8');
    case 'json':
      return Buffer.from(`${JSON.stringify(secretJson(value), null, 2)}\n`, 'utf8');
    default:
      return Buffer.from(dotenvFromJson(value), 'utf8');
  }
}

export function templateReferences(template: RenderTemplate): SecretReference[] {
  const refs = template.env !== undefined ? Object.values(template.env) : [template.secret as string];
  return refs.map((ref) => parseSecretReference(ref));
}

export interface TemplateRendererOptions {
  readonly logger: Logger;
  /** Where a template command's output goes. Default: inherited. */
  readonly commandStdio?: 'inherit' | 'ignore';
}

export class TemplateRenderer {
  private readonly templates: readonly RenderTemplate[];
  private readonly reader: SecretReader;
  private readonly options: TemplateRendererOptions;
  private readonly written = new Map<string, string>();
  private readonly queue = new Map<RenderTemplate, Promise<void>>();
  private unsubscribe: (() => void)[] = [];

  constructor(templates: readonly RenderTemplate[], reader: SecretReader, options: TemplateRendererOptions) {
    this.templates = templates;
    this.reader = reader;
    this.options = options;
  }

  /** Render every template once; rejects on the first failure (a bad reference, a missing key, AWS errors). */
  async renderAll(): Promise<void> {
    for (const template of this.templates) await this.render(template);
  }

  /** Re-render on change, from now on. */
  watch(): void {
    for (const template of this.templates) {
      for (const ref of templateReferences(template)) {
        this.unsubscribe.push(
          this.reader.onChange(ref.secretId, () => this.schedule(template), {
            versionStage: ref.versionStage,
            versionId: ref.versionId,
          }),
        );
      }
    }
  }

  /** One render at a time per template; a change during a render queues one more. */
  private schedule(template: RenderTemplate): void {
    const previous = this.queue.get(template) ?? Promise.resolve();
    const next = previous.then(async () => {
      try {
        await this.render(template);
      } catch (error) {
        this.options.logger.error({ err: error, path: template.path }, 'render failed');
      }
    });
    this.queue.set(template, next);
  }

  /** Write the file if its content changed; then run the template's command. Returns whether it was written. */
  async render(template: RenderTemplate): Promise<boolean> {
    const content = await renderTemplate(template, this.reader);
    const digest = createHash('sha256').update(content).digest('hex');
    if (this.written.get(template.path) === digest) return false;
    await writeFileAtomic(template.path, content, template.mode);
    this.written.set(template.path, digest);
    this.options.logger.info({ path: template.path, mode: `0${template.mode.toString(8)}` }, 'rendered');
    if (template.command !== undefined) await this.runCommand(template.command);
    return true;
  }

  private runCommand(command: readonly string[]): Promise<void> {
    return new Promise((resolve) => {
      const child = spawn(command[0] as string, command.slice(1), {
        stdio: this.options.commandStdio ?? 'inherit',
      });
      child.once('error', (error) => {
        this.options.logger.error({ err: error, command: command[0] }, 'render command failed to start');
        resolve();
      });
      child.once('exit', (code, signal) => {
        const level = code === 0 ? 'info' : 'warn';
        this.options.logger[level]({ command: command[0], code, signal }, 'render command finished');
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    this.unsubscribe = [];
    await Promise.all(this.queue.values());
  }
}
