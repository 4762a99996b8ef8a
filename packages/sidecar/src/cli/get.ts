/** `latchkey get <ref>`: print one secret (or one JSON key of it) for scripts. */
import { jsonField, secretText } from '../files/format.js';
import { parseReference } from '../files/reference.js';
import { openReader, READER_HELP, READER_OPTIONS } from './reader.js';
import { type CommandIO, parse, stringValue, UsageError } from './usage.js';

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
  if (parsed.values.help === true) {
    io.stdout.write(`${GET_HELP}\n`);
    return 0;
  }
  if (parsed.positionals.length !== 1)
    throw new UsageError("latchkey get: give exactly one secret reference. See 'latchkey get --help'.");
  const ref = parseReference(parsed.positionals[0] as string);
  const jsonKey = stringValue(parsed, 'json-key') ?? ref.jsonKey;
  const { reader } = openReader(parsed, io);
  try {
    const { value } = await reader.lookup(ref.secretId, {
      versionStage: stringValue(parsed, 'version-stage') ?? ref.versionStage,
      versionId: stringValue(parsed, 'version-id') ?? ref.versionId,
    });
    const output: Uint8Array | string =
      jsonKey !== undefined ? jsonField(value, jsonKey) : (value.binary ?? secretText(value));
    io.stdout.write(output);
    if ((io.stdout as NodeJS.WriteStream).isTTY) io.stdout.write('\n');
    return 0;
  } finally {
    await reader.close();
  }
}
