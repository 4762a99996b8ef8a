/** `latchkey render`: write secrets to files atomically (mode 0400 or 0600), once or on every change. */

import { loadConfig } from '../config/load.js';
import type { RenderTemplate } from '../config/schema.js';
import { parseRenderTemplate } from '../config/toml.js';
import { TemplateRenderer } from '../files/templates.js';
import type { Logger } from '../logger.js';
import type { SecretReader } from '../upstream/readers.js';
import { openReader, READER_HELP, READER_OPTIONS } from './reader.js';
import { type CommandIO, parse, printedHelp, stringValue, UsageError } from './usage.js';

export const RENDER_HELP = `Usage: latchkey render --secret <ref> --out <path> [options]
       latchkey render --config <file>      (the [[latchkey.render]] templates of a serve configuration)

Write secrets to files atomically (temporary file, fsync, rename) with mode 0400 or 0600.

      --secret <ref>          the secret: name or ARN, <id>#<json-key>, or the ECS ARN form
      --out <path>            the file to write
      --format <format>       raw (default), json-key, json (the whole object), dotenv (one line per key)
      --json-key <key>        with json-key (or raw): the key to write
      --mode <mode>           0400 (default) or 0600
      --exec <command>        run this (through /bin/sh -c) after each change
      --watch                 keep running and re-render when a secret changes
${READER_HELP}
  -h, --help                  this help`;

function templatesFromFlags(values: Record<string, unknown>): RenderTemplate[] {
  const table: Record<string, unknown> = {
    path: values.out,
    secret: values.secret,
    format: values.format,
    json_key: values['json-key'],
    mode: values.mode,
    command: values.exec,
  };
  for (const key of Object.keys(table)) if (table[key] === undefined) delete table[key];
  return [parseRenderTemplate(table, 'command line', 'render')];
}

export async function runRender(argv: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parse(
    'render',
    argv,
    {
      secret: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      'json-key': { type: 'string' },
      mode: { type: 'string' },
      exec: { type: 'string' },
      watch: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...READER_OPTIONS,
    },
    false,
  );
  if (printedHelp(parsed, RENDER_HELP, io)) return 0;
  const file = stringValue(parsed, 'config');
  let templates: readonly RenderTemplate[];
  if (file !== undefined) {
    templates = loadConfig({ file, env: {} }).latchkey.render;
    if (templates.length === 0)
      throw new UsageError(`latchkey render: ${file} has no [[latchkey.render]] templates`);
  } else {
    if (parsed.values.out === undefined)
      throw new UsageError("latchkey render: --out is required (or --config). See 'latchkey render --help'.");
    templates = templatesFromFlags(parsed.values);
  }
  const { reader, logger } = openReader(parsed, io);
  const renderer = new TemplateRenderer(templates, reader, { logger });
  try {
    await renderer.renderAll();
    if (parsed.values.watch !== true) return 0;
    renderer.watch();
    // The cache's timers do not hold the process open (they are unref'd); this does, until a signal.
    const keepAlive = setInterval(() => undefined, 2 ** 30);
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    clearInterval(keepAlive);
    return 0;
  } finally {
    await renderer.close();
    await reader.close();
  }
}

/** `serve` with `[[latchkey.render]]`: render through the sidecar's own cache and keep the files current. */
export function startTemplateRenderer(
  templates: readonly RenderTemplate[],
  reader: SecretReader,
  logger: Logger,
): TemplateRenderer {
  const renderer = new TemplateRenderer(templates, reader, { logger });
  renderer.renderAll().then(
    () => renderer.watch(),
    (error: unknown) => logger.error({ err: error }, 'initial render failed'),
  );
  return renderer;
}
