import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DataFileError } from './errors.js';
import { parseJsonText } from './json-text.js';
import type { Secret } from './secretsmanager/model.js';
import { PARAMETER_TYPES, type Parameter } from './ssm/model.js';

/**
 * The data file: the secrets and parameters of one emulator as JSON. Writes are atomic (a temporary file in the same
 * directory, fsync, rename, fsync of the directory), so a crash leaves either the old state or the new one.
 * Concurrent save requests coalesce: at most one write runs, and one more follows it when something changed
 * meanwhile.
 */

const FORMAT = 'latchkey-emulator';
const VERSION = 1;

/** What the data file keeps. */
export interface StoredState {
  secrets: Secret[];
  /** Absent in files written before the emulator served Parameter Store. */
  parameters?: Parameter[];
}

interface DataFile extends StoredState {
  format: typeof FORMAT;
  version: typeof VERSION;
  account: { region: string; accountId: string };
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

function isSecret(value: unknown): value is Secret {
  const secret = value as Secret;
  return (
    isObject(secret) &&
    typeof secret.arn === 'string' &&
    typeof secret.name === 'string' &&
    typeof secret.createdAt === 'number' &&
    Array.isArray(secret.tags) &&
    Array.isArray(secret.versions) &&
    secret.versions.every(
      (version) =>
        typeof version?.id === 'string' &&
        Array.isArray(version.stages) &&
        typeof version.createdAt === 'number',
    )
  );
}

function isParameter(value: unknown): value is Parameter {
  const parameter = value as Parameter;
  return (
    isObject(parameter) &&
    typeof parameter.name === 'string' &&
    Array.isArray(parameter.versions) &&
    parameter.versions.length > 0 &&
    parameter.versions.every(
      (version) =>
        typeof version?.version === 'number' &&
        PARAMETER_TYPES.includes(version.type) &&
        typeof version.value === 'string' &&
        typeof version.dataType === 'string' &&
        Array.isArray(version.labels) &&
        typeof version.modifiedAt === 'number',
    )
  );
}

const tempFileName = (path: string) =>
  `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary files a crashed emulator left beside the data file (those of processes no longer running). */
async function removeStaleTempFiles(path: string): Promise<void> {
  const prefix = `.${basename(path)}.`;
  const entries = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const entry of entries) {
    const match = /^(\d+)\.[0-9a-f]{8}\.tmp$/.exec(
      entry.startsWith(prefix) ? entry.slice(prefix.length) : '',
    );
    if (match && !isRunning(Number(match[1])))
      await unlink(join(dirname(path), entry)).catch(() => undefined);
  }
}

/** Reads the data file; undefined when it does not exist yet. Anything unreadable is a DataFileError. */
export async function loadDataFile(
  path: string,
  region: string,
  accountId: string,
): Promise<StoredState | undefined> {
  await removeStaleTempFiles(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DataFileError(path, (error as Error).message);
  }
  const data = parseJsonText(text, () => new DataFileError(path, 'not valid JSON')) as DataFile;
  if (data?.format !== FORMAT || data.version !== VERSION || !Array.isArray(data.secrets)) {
    throw new DataFileError(path, `not a ${FORMAT} version ${VERSION} data file`);
  }
  const invalid = data.secrets.findIndex((secret) => !isSecret(secret));
  if (invalid >= 0) throw new DataFileError(path, `secret #${invalid + 1} is malformed`);
  const parameters = data.parameters ?? [];
  if (!Array.isArray(parameters)) throw new DataFileError(path, 'its parameters are not a list');
  const invalidParameter = parameters.findIndex((parameter) => !isParameter(parameter));
  if (invalidParameter >= 0) {
    throw new DataFileError(path, `parameter #${invalidParameter + 1} is malformed`);
  }
  if (data.account?.region !== region || data.account?.accountId !== accountId) {
    throw new DataFileError(
      path,
      `it holds secrets of account ${data.account?.accountId} in ${data.account?.region}, not ${accountId} in ${region}`,
    );
  }
  return { secrets: data.secrets, parameters };
}

export class DataFileWriter {
  private writing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(
    readonly path: string,
    private readonly snapshot: () => StoredState,
    private readonly account: DataFile['account'],
  ) {}

  /** Resolves when no write is running or queued (failed writes included; their callers saw the error). */
  async idle(): Promise<void> {
    await (this.queued ?? this.writing)?.catch(() => undefined);
  }

  /** Resolves once a write that began after this call has completed, so the caller's change is on disk. */
  save(): Promise<void> {
    if (!this.writing) {
      this.writing = this.write().finally(() => {
        this.writing = undefined;
      });
      return this.writing;
    }
    this.queued ??= this.writing
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.save();
      });
    return this.queued;
  }

  private async write(): Promise<void> {
    const data: DataFile = {
      format: FORMAT,
      version: VERSION,
      account: this.account,
      ...this.snapshot(),
    };
    const dir = dirname(this.path);
    const temp = join(dir, tempFileName(this.path));
    const file = await open(temp, 'w', 0o600);
    try {
      await file.writeFile(JSON.stringify(data));
      await file.sync();
    } catch (error) {
      await file.close();
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await file.close();
    try {
      await rename(temp, this.path);
    } catch (error) {
      // The temporary file holds every secret value: it must not stay behind when it cannot take the file's place.
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    const directory = await open(dir, 'r');
    try {
      await directory.sync();
    } catch {
      // Some file systems cannot fsync a directory; the rename is still atomic there.
    } finally {
      await directory.close();
    }
  }
}
