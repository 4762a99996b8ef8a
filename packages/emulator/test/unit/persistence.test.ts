import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataFileError, startEmulator } from '../../src/index.js';
import { failure, smClient } from '../support/emulator.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-emulator-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('dataFile', () => {
  it('keeps secrets, versions, stages, tags and deletion schedules across a restart', async () => {
    const dataFile = join(dir, 'state.json');
    const first = await startEmulator({ host: '127.0.0.1', port: 0, dataFile });
    const sm = smClient(first);
    const created = await sm.send(
      new CreateSecretCommand({ Name: 'kept', SecretString: 'v1', Tags: [{ Key: 'k', Value: 'v' }] }),
    );
    const put = await sm.send(
      new PutSecretValueCommand({ SecretId: 'kept', SecretBinary: new Uint8Array([9, 8, 7]) }),
    );
    await sm.send(new CreateSecretCommand({ Name: 'doomed', SecretString: 'x' }));
    await sm.send(new DeleteSecretCommand({ SecretId: 'doomed', RecoveryWindowInDays: 10 }));
    const before = await sm.send(new DescribeSecretCommand({ SecretId: 'kept' }));
    await first.close();
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const second = await startEmulator({ host: '127.0.0.1', port: 0, dataFile });
    try {
      const again = smClient(second);
      const after = await again.send(new DescribeSecretCommand({ SecretId: created.ARN }));
      expect(after.VersionIdsToStages).toEqual(before.VersionIdsToStages);
      expect(after.Tags).toEqual([{ Key: 'k', Value: 'v' }]);
      expect(after.ARN).toBe(created.ARN);
      const current = await again.send(new GetSecretValueCommand({ SecretId: 'kept' }));
      expect(current.VersionId).toBe(put.VersionId);
      expect([...current.SecretBinary!]).toEqual([9, 8, 7]);
      expect(
        (await again.send(new GetSecretValueCommand({ SecretId: 'kept', VersionStage: 'AWSPREVIOUS' })))
          .SecretString,
      ).toBe('v1');
      expect((await failure(again.send(new GetSecretValueCommand({ SecretId: 'doomed' })))).name).toBe(
        'InvalidRequestException',
      );
      await again.send(new TagResourceCommand({ SecretId: 'kept', Tags: [{ Key: 'k2', Value: 'v2' }] }));
    } finally {
      await second.close();
    }
    const stored = JSON.parse(await readFile(dataFile, 'utf8'));
    expect(stored.secrets.find((s: { name: string }) => s.name === 'kept').tags).toHaveLength(2);
  });

  it('each answered change is already on disk', async () => {
    const dataFile = join(dir, 'state.json');
    const emu = await startEmulator({ host: '127.0.0.1', port: 0, dataFile });
    try {
      await smClient(emu).send(new CreateSecretCommand({ Name: 'durable', SecretString: 'v' }));
      const stored = JSON.parse(await readFile(dataFile, 'utf8'));
      expect(stored.secrets.map((s: { name: string }) => s.name)).toEqual(['durable']);
    } finally {
      await emu.close();
    }
  });

  it('concurrent changes all reach the file, which stays valid', async () => {
    const dataFile = join(dir, 'busy.json');
    const emu = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      dataFile,
      seed: [{ Name: 'busy', SecretString: 'v0' }],
    });
    const sm = smClient(emu);
    const puts = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        sm.send(
          new PutSecretValueCommand({
            SecretId: 'busy',
            SecretString: `v${i + 1}`,
            VersionStages: [`label-${i}`],
          }),
        ),
      ),
    );
    await emu.close();
    const stored = JSON.parse(await readFile(dataFile, 'utf8'));
    const versionIds = stored.secrets[0].versions.map((v: { id: string }) => v.id);
    expect(versionIds).toEqual(expect.arrayContaining(puts.map((p) => p.VersionId)));
    expect(versionIds).toHaveLength(41);
  });

  it('removes the temporary files a crashed writer left behind', async () => {
    const dataFile = join(dir, 'state.json');
    const deadPid = 2 ** 22 + 12345; // above Linux's largest pid_max, so no process has it
    await writeFile(join(dir, `.state.json.${deadPid}.0badf00d.tmp`), '{"half": ');
    const emu = await startEmulator({ host: '127.0.0.1', port: 0, dataFile });
    await emu.close();
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('leaves no temporary file behind when a write cannot replace the data file', async () => {
    const dataFile = join(dir, 'state.json');
    const emu = await startEmulator({ host: '127.0.0.1', port: 0, dataFile });
    try {
      const sm = smClient(emu);
      await sm.send(new CreateSecretCommand({ Name: 'kept', SecretString: 'v1' }));
      // A non-empty directory where the data file was: the rename over it fails.
      await rm(dataFile);
      await mkdir(dataFile);
      await writeFile(join(dataFile, 'inside'), '');
      const error = await failure(sm.send(new CreateSecretCommand({ Name: 'lost', SecretString: 'v2' })));
      expect(error.name).toBe('InternalServiceError');
      expect(await readdir(dir)).toEqual(['state.json']);
    } finally {
      await emu.close().catch(() => undefined);
    }
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('refuses to start on a corrupt file, naming it, and leaves the file alone', async () => {
    const dataFile = join(dir, 'corrupt.json');
    for (const content of ['{"format": "latchkey-emulator", "vers', '{"hello": "world"}', '[]']) {
      await writeFile(dataFile, content);
      const error = await failure(startEmulator({ host: '127.0.0.1', port: 0, dataFile }));
      expect(error).toBeInstanceOf(DataFileError);
      expect(error.message).toContain(dataFile);
      expect(await readFile(dataFile, 'utf8')).toBe(content);
    }
  });

  it('creates a missing file at start-up, and refuses a location it cannot write', async () => {
    const dataFile = join(dir, 'fresh.json');
    const emu = await startEmulator({ host: '127.0.0.1', port: 0, dataFile });
    await emu.close();
    expect(JSON.parse(await readFile(dataFile, 'utf8')).secrets).toEqual([]);
    const nowhere = join(dir, 'missing-dir', 'state.json');
    const error = await failure(startEmulator({ host: '127.0.0.1', port: 0, dataFile: nowhere }));
    expect(error).toBeInstanceOf(DataFileError);
    expect(error.message).toContain(nowhere);
  });

  it('refuses a file of another account or region', async () => {
    const dataFile = join(dir, 'state.json');
    const emu = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      dataFile,
      seed: [{ Name: 's', SecretString: 'v' }],
    });
    await emu.close();
    const error = await failure(startEmulator({ host: '127.0.0.1', port: 0, dataFile, region: 'eu-west-1' }));
    expect(error.message).toContain('eu-west-1');
  });

  it('seeds only the secrets that do not exist yet', async () => {
    const dataFile = join(dir, 'state.json');
    const first = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      dataFile,
      seed: [{ Name: 'seeded', SecretString: 'original' }],
    });
    await smClient(first).send(new PutSecretValueCommand({ SecretId: 'seeded', SecretString: 'changed' }));
    await first.close();
    const second = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      dataFile,
      seed: [{ Name: 'seeded', SecretString: 'original' }],
    });
    try {
      expect(
        (await smClient(second).send(new GetSecretValueCommand({ SecretId: 'seeded' }))).SecretString,
      ).toBe('changed');
    } finally {
      await second.close();
    }
  });
});
