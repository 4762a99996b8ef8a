/** What the settings table says to people: the option lines of `serve --help` and the README's tables. */
import { SETTINGS, type Setting } from './settings.js';

const FLAG_COLUMN = 38;

function flagText(setting: Setting): string {
  return `--${setting.flag}${setting.flagValue === '' ? '' : ` ${setting.flagValue}`}`;
}

/** One line per flag: `--http-port <port>   port for … (default 2773)`. */
export function flagHelpLines(): string[] {
  return SETTINGS.filter((setting) => setting.flag !== undefined).map((setting) => {
    const flag = `      ${flagText(setting)}`;
    const notes = [
      ...(setting.repeatable ? ['repeatable'] : []),
      ...(setting.defaultText !== undefined && setting.flagValue !== ''
        ? [`default ${setting.defaultText}`]
        : []),
    ];
    const help = notes.length > 0 ? `${setting.help} (${notes.join('; ')})` : setting.help;
    return `${flag.padEnd(FLAG_COLUMN - 1)} ${help}`;
  });
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [header, ...rows].map((row) => row.map((cell) => cell.replaceAll('|', '\\|')));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] as string).length)));
  const line = (row: readonly string[]) =>
    `| ${row.map((cell, column) => cell.padEnd(widths[column] as number)).join(' | ')} |`;
  const [head, ...body] = cells as [string[], ...string[][]];
  return [line(head), `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`, ...body.map(line)].join(
    '\n',
  );
}

const code = (text: string) => `\`${text}\``;

/** The README's table of settings: every key of the file, its flag and variables, default, reload rule and help. */
export function settingsMarkdown(): string {
  const rows = SETTINGS.filter((setting) => setting.key !== undefined).map((setting) => [
    code(setting.key as string),
    setting.flag === undefined ? '' : code(flagText(setting)) + (setting.repeatable ? ' (repeatable)' : ''),
    setting.env.map((variable) => code(variable.name)).join(', '),
    setting.defaultMarkdown,
    setting.reload,
    setting.details === undefined ? setting.help : `${setting.help}; ${setting.details}`,
  ]);
  return markdownTable(['Key', 'Flag', 'Environment', 'Default', 'On SIGHUP', 'What'], rows);
}

/** The README's table of the Lambda extension's environment variables. */
export function environmentMarkdown(): string {
  const rows = SETTINGS.flatMap((setting) =>
    setting.env.map((variable) => [code(variable.name), variable.effect]),
  );
  return markdownTable(['Variable', 'Effect'], rows);
}

const GENERATED: Readonly<Record<string, () => string>> = {
  settings: settingsMarkdown,
  environment: environmentMarkdown,
};

/** `readme` with each generated table (between `<!-- generated: name -->` and `<!-- end generated: name -->`)
 * as the settings table makes it now. */
export function readmeWithTables(readme: string): string {
  let text = readme;
  for (const [name, make] of Object.entries(GENERATED)) {
    const start = `<!-- generated: ${name} -->\n`;
    const end = `<!-- end generated: ${name} -->`;
    const from = text.indexOf(start);
    const to = text.indexOf(end, from);
    if (from < 0 || to < 0) throw new Error(`the README has no ${start.trim()} … ${end} block`);
    text = `${text.slice(0, from + start.length)}${make()}\n${text.slice(to)}`;
  }
  return text;
}
