import { parseArgs } from 'node:util';
import { demoInstructions, demoParameterSeed, demoSeed } from './demo.js';
import { type Emulator, type EmulatorOptions, startEmulator } from './emulator.js';
import { readSeedFile, type SeedSecret } from './seed.js';

export const USAGE = `Usage: latchkey-emulator [options]

A local AWS Secrets Manager (plus Parameter Store and STS) endpoint.

Options:
  --port <n>          port to listen on (default 4566; 0 picks a free port)
  --host <address>    address to bind (default 127.0.0.1)
  --data <file>       keep secrets and parameters in this JSON file across restarts (default: in memory)
  --seed <file>       create these secrets at start-up (JSON array of {Name, SecretString|SecretBinary,
                      Description, Tags}, or an object of name: value)
  --demo              create the demo secret latchkey/demo/database and parameter
                      /latchkey/demo/greeting, and print how to read them
  --region <region>   region of the emulated account (default us-east-1)
  --account-id <id>   twelve-digit account id (default 000000000000)
  --quota-scale <f>   enforce Secrets Manager's request-rate quotas (GetSecretValue 10,000/s, ...) times f,
                      answering the excess with ThrottlingException: 1 for AWS's defaults, 0.01 to let 100
                      clients stand for 10,000 (default: no quotas)
  -h, --help          show this help
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CliOptions extends EmulatorOptions {
  demo: boolean;
  seedFile?: string;
}

/** Parses the command line; throws UsageError naming the bad flag or value. Undefined means --help. */
export function parseCommandLine(argv: string[]): CliOptions | undefined {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        seed: { type: 'string' },
        demo: { type: 'boolean' },
        region: { type: 'string' },
        'account-id': { type: 'string' },
        'quota-scale': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  }
  try {
    parsed = parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return undefined;
  const port = values.port === undefined ? 4566 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`Option '--port' must be a port number from 0 to 65535; got '${values.port}'.`);
  }
  const quotaScale = values['quota-scale'] === undefined ? undefined : Number(values['quota-scale']);
  if (quotaScale !== undefined && !(quotaScale > 0 && Number.isFinite(quotaScale))) {
    throw new UsageError(`Option '--quota-scale' must be a positive number; got '${values['quota-scale']}'.`);
  }
  return {
    port,
    host: values.host ?? '127.0.0.1',
    dataFile: values.data,
    seedFile: values.seed,
    demo: values.demo ?? false,
    region: values.region,
    accountId: values['account-id'],
    quotaScale,
  };
}

/** Runs the emulator until SIGINT or SIGTERM; resolves with the process exit code. */
export async function runCli(argv: string[]): Promise<number> {
  let options: CliOptions | undefined;
  try {
    options = parseCommandLine(argv);
  } catch (error) {
    console.error(
      `latchkey-emulator: ${(error as Error).message}\nRun 'latchkey-emulator --help' for the options.`,
    );
    return 2;
  }
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  let emu: Emulator;
  try {
    const seed: SeedSecret[] = [
      ...(options.seedFile ? await readSeedFile(options.seedFile) : []),
      ...(options.demo ? demoSeed() : []),
    ];
    const seedParameters = options.demo ? demoParameterSeed() : [];
    emu = await startEmulator({ ...options, seed, seedParameters });
  } catch (error) {
    // A corrupt data file, a bad seed file, a port in use: the message says which and where.
    console.error(
      `latchkey-emulator: cannot start: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }
  console.log(
    `Latchkey emulator listening on ${emu.endpoint} (region ${emu.region}, account ${emu.accountId})`,
  );
  console.log(options.dataFile ? `State is kept in ${options.dataFile}` : 'State is kept in memory');
  if (options.demo) console.log(demoInstructions(emu));
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log(`Received ${signal}, shutting down`);
  await emu.close();
  return 0;
}
