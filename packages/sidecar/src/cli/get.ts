/** `latchkey get <ref>`: print one secret (or one JSON key of it) for scripts. */
import { parseSecretReference, resolveReference } from '@latchkey/sdk';
import { openReader, READER_HELP, READER_OPTIONS } from './reader.js';
import { type CommandIO, parse, printedHelp, stringValue, UsageError } from './usage.js';

export const GET_HELP = `Usage: latchkey get <ref> [--json-key <key>] [options]

Print a secret's value to stdout (no trailing newline unless stdout is a terminal).
<ref> is a name or ARN, <id>#<json-key>, or the ECS form arn:…:secret:name:json-key:version-stage:version-id.

      --json-key <key>        print this key of a JSON secret
      --version-stage <stage> read this stage (default AWSCURRENT)
      --version-id <id>       read this version
${READER_HELP}
  -h, --help                  this help`;

export async function runGet(argv: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parse('get', argv, {
    'json-key': { type: 'string' },
    'version-stage': { type: 'string' },
    'version-id': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    ...READER_OPTIONS,
  });
  if (printedHelp(parsed, GET_HELP, io)) return 0;
  if (parsed.positionals.length !== 1)
    throw new UsageError("latchkey get: give exactly one secret reference. See 'latchkey get --help'.");
  const reference = parseSecretReference(parsed.positionals[0] as string);
  const ref = {
    ...reference,
    jsonKey: stringValue(parsed, 'json-key') ?? reference.jsonKey,
    versionStage: stringValue(parsed, 'version-stage') ?? reference.versionStage,
    versionId: stringValue(parsed, 'version-id') ?? reference.versionId,
  };
  const { reader } = openReader(parsed, io);
  try {
    if (ref.jsonKey !== undefined) {
      io.stdout.write(await resolveReference(reader, ref));
    } else {
      // The whole value: a binary secret's bytes as they are.
      const { value } = await reader.lookup(ref.secretId, {
        versionStage: ref.versionStage,
        versionId: ref.versionId,
      });
      io.stdout.write(value.binary ?? value.string ?? '');
    }
    if ((io.stdout as NodeJS.WriteStream).isTTY) io.stdout.write('\n');
    return 0;
  } finally {
    await reader.close();
  }
}
