/**
 * On Node.js 20 (end of life since 2026-04-30) the AWS SDK prints an eight-line NodeVersionSupportWarning when it
 * creates its first client, in the middle of a command's output. Latchkey's commands and demo print one line of
 * their own in its place; every other warning prints as Node prints it.
 */
const SDK_WARNING = /^NodeVersionSupportWarning\b/;

/** The line printed instead (the README's support matrix says the same). */
export const NODE_SUPPORT_LINE = `latchkey: Node.js ${process.version} is past its end of life; AWS SDK releases from January 2027 need Node.js 22 or later\n`;

/** Replaces Node's printing of the AWS SDK's warning with `NODE_SUPPORT_LINE` (on Node.js 20; a no-op later). */
export function shortenNodeSupportWarning(
  write: (line: string) => void = (line) => process.stderr.write(line),
): void {
  if (Number(process.versions.node.split('.')[0]) >= 22) return;
  // Node's own printer of warnings (none under --no-warnings), and whatever was registered before it.
  const listeners = process.listeners('warning');
  if (listeners.length === 0) return;
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (SDK_WARNING.test(warning.message)) write(NODE_SUPPORT_LINE);
    else for (const listener of listeners) listener.call(process, warning);
  });
}
