import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RotationEvent, startEmulator } from '../../src/index.js';
import {
  emu,
  failure,
  sm,
  smClient,
  templateRotationFunction,
  uniqueName,
  useEmulator,
} from '../support/emulator.js';

useEmulator();

const lambdaArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

async function createSecret(value = '{"password":"initial"}') {
  const name = uniqueName('rotating');
  const created = await sm.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return { name, arn: created.ARN!, initialVersion: created.VersionId! };
}

describe('RotateSecret with an in-process rotation function', () => {
  it('creates the empty AWSPENDING version, answers at once, then runs the four steps in order with the ARN', async () => {
    const arn = lambdaArn(`ok-${Date.now()}`);
    const events: RotationEvent[] = [];
    let pendingReadBeforeCreate: string | undefined;
    emu.rotation.register(
      arn,
      templateRotationFunction(sm, async (event) => {
        events.push(event);
        if (event.Step === 'createSecret') {
          const error = await failure(
            sm.send(
              new GetSecretValueCommand({
                SecretId: event.SecretId,
                VersionId: event.ClientRequestToken,
                VersionStage: 'AWSPENDING',
              }),
            ),
          );
          pendingReadBeforeCreate = error.name;
        }
      }),
    );
    const secret = await createSecret();
    const rotated = await sm.send(
      new RotateSecretCommand({
        SecretId: secret.name,
        RotationLambdaARN: arn,
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    );
    expect(rotated.ARN).toBe(secret.arn);
    const outcome = await emu.rotation.whenIdle(secret.name);
    expect(outcome).toMatchObject({ status: 'succeeded', versionId: rotated.VersionId });
    expect(events.map((e) => e.Step)).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
    for (const event of events) {
      expect(event).toMatchObject({ SecretId: secret.arn, ClientRequestToken: rotated.VersionId });
      expect(event.RotationToken).toEqual(events[0]!.RotationToken);
    }
    expect(pendingReadBeforeCreate).toBe('ResourceNotFoundException');

    const described = await sm.send(new DescribeSecretCommand({ SecretId: secret.name }));
    // The service removes AWSPENDING from the new current version once the rotation succeeded.
    expect(described.VersionIdsToStages).toEqual({
      [secret.initialVersion]: ['AWSPREVIOUS'],
      [rotated.VersionId!]: ['AWSCURRENT'],
    });
    expect(described).toMatchObject({
      RotationEnabled: true,
      RotationLambdaARN: arn,
      RotationRules: { AutomaticallyAfterDays: 30 },
    });
    expect(described.LastRotatedDate).toBeInstanceOf(Date);
    const days = (described.NextRotationDate!.getTime() - described.LastRotatedDate!.getTime()) / 86_400_000;
    expect(days).toBeCloseTo(30, 5);
    const value = await sm.send(new GetSecretValueCommand({ SecretId: secret.name }));
    expect(JSON.parse(value.SecretString!).password).toHaveLength(32);
  });

  it('a failing step stops the rotation, leaves AWSPENDING, and blocks the next RotateSecret until retried with its token', async () => {
    const arn = lambdaArn(`fails-${Date.now()}`);
    let failSetSecret = true;
    const steps: string[] = [];
    emu.rotation.register(
      arn,
      templateRotationFunction(sm, (event) => {
        steps.push(event.Step);
        if (event.Step === 'setSecret' && failSetSecret) throw new Error('Unable to log into database');
      }),
    );
    const secret = await createSecret();
    const rotated = await sm.send(new RotateSecretCommand({ SecretId: secret.arn, RotationLambdaARN: arn }));
    const outcome = await emu.rotation.whenIdle(secret.arn);
    expect(outcome).toMatchObject({
      status: 'failed',
      failedStep: 'setSecret',
      error: 'Unable to log into database',
    });
    expect(outcome?.completedSteps).toEqual(['createSecret']);
    expect(steps).toEqual(['createSecret', 'setSecret']);
    const stages = (await sm.send(new DescribeSecretCommand({ SecretId: secret.name }))).VersionIdsToStages;
    expect(stages).toEqual({ [secret.initialVersion]: ['AWSCURRENT'], [rotated.VersionId!]: ['AWSPENDING'] });
    expect((await sm.send(new GetSecretValueCommand({ SecretId: secret.name }))).SecretString).toBe(
      '{"password":"initial"}',
    );

    const blocked = await failure(sm.send(new RotateSecretCommand({ SecretId: secret.name })));
    expect(blocked.name).toBe('InvalidRequestException');
    expect(blocked.message).toContain("previous rotation isn't complete");

    failSetSecret = false;
    const retried = await sm.send(
      new RotateSecretCommand({ SecretId: secret.name, ClientRequestToken: rotated.VersionId }),
    );
    expect(retried.VersionId).toBe(rotated.VersionId);
    expect(await emu.rotation.whenIdle(secret.name)).toMatchObject({ status: 'succeeded' });
    const pendingValue = (await sm.send(new GetSecretValueCommand({ SecretId: secret.name }))).SecretString;
    expect(pendingValue).not.toBe('{"password":"initial"}');
  });

  it('refuses a Lambda ARN with no registered function, and a secret without any rotation function', async () => {
    const secret = await createSecret();
    const unknown = await failure(
      sm.send(new RotateSecretCommand({ SecretId: secret.name, RotationLambdaARN: lambdaArn('nope') })),
    );
    expect(unknown.name).toBe('InvalidRequestException');
    expect(unknown.message).toContain('cannot invoke the specified Lambda function');
    const none = await failure(sm.send(new RotateSecretCommand({ SecretId: secret.name })));
    expect(none.name).toBe('InvalidRequestException');
    expect((await sm.send(new DescribeSecretCommand({ SecretId: secret.name }))).VersionIdsToStages).toEqual({
      [secret.initialVersion]: ['AWSCURRENT'],
    });
  });

  it('refuses a ClientRequestToken naming an existing finished version, changing nothing', async () => {
    const arn = lambdaArn(`reused-${Date.now()}`);
    emu.rotation.register(arn, () => {});
    const secret = await createSecret();
    const error = await failure(
      sm.send(
        new RotateSecretCommand({
          SecretId: secret.name,
          RotationLambdaARN: arn,
          ClientRequestToken: secret.initialVersion,
        }),
      ),
    );
    expect(error.name).toBe('ResourceExistsException');
    const described = await sm.send(new DescribeSecretCommand({ SecretId: secret.name }));
    expect(described.RotationEnabled).toBeUndefined();
    expect(described.RotationLambdaARN).toBeUndefined();
  });

  it('RotateImmediately=false records the schedule without rotating', async () => {
    const arn = lambdaArn(`scheduled-${Date.now()}`);
    const steps: string[] = [];
    emu.rotation.register(
      arn,
      templateRotationFunction(sm, (event) => void steps.push(event.Step)),
    );
    const secret = await createSecret();
    const result = await sm.send(
      new RotateSecretCommand({
        SecretId: secret.name,
        RotationLambdaARN: arn,
        RotateImmediately: false,
        RotationRules: { ScheduleExpression: 'rate(10 days)', Duration: '3h' },
      }),
    );
    expect(result.VersionId).toBeUndefined();
    expect(await emu.rotation.whenIdle(secret.name)).toBeUndefined();
    expect(steps).toEqual([]);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: secret.name }));
    expect(described).toMatchObject({
      RotationEnabled: true,
      RotationLambdaARN: arn,
      RotationRules: { ScheduleExpression: 'rate(10 days)', Duration: '3h' },
    });
    expect(described.NextRotationDate).toBeInstanceOf(Date);
    expect(described.LastRotatedDate).toBeUndefined();
    expect(Object.keys(described.VersionIdsToStages!)).toEqual([secret.initialVersion]);
  });

  it('validates RotationRules', async () => {
    const arn = lambdaArn(`rules-${Date.now()}`);
    emu.rotation.register(arn, () => {});
    const secret = await createSecret();
    for (const RotationRules of [
      { AutomaticallyAfterDays: 10, ScheduleExpression: 'rate(10 days)' },
      { ScheduleExpression: 'rate(2 hours)' },
      { ScheduleExpression: 'every day' },
      { ScheduleExpression: 'cron(0 25 * * ? *)' },
      { ScheduleExpression: 'rate(1 day)', Duration: '30h' },
    ]) {
      const error = await failure(
        sm.send(
          new RotateSecretCommand({
            SecretId: secret.name,
            RotationLambdaARN: arn,
            RotationRules,
            RotateImmediately: false,
          }),
        ),
      );
      expect(error.name, JSON.stringify(RotationRules)).toBe('InvalidParameterException');
    }
    const tooMany = await failure(
      sm.send(
        new RotateSecretCommand({
          SecretId: secret.name,
          RotationLambdaARN: arn,
          RotationRules: { AutomaticallyAfterDays: 1001 },
        }),
      ),
    );
    expect(tooMany.name).toBe('ValidationException');
    await sm.send(
      new RotateSecretCommand({
        SecretId: secret.name,
        RotationLambdaARN: arn,
        RotateImmediately: false,
        RotationRules: { ScheduleExpression: 'cron(0 16 ? * MON *)' },
      }),
    );
    const next = (await sm.send(new DescribeSecretCommand({ SecretId: secret.name }))).NextRotationDate!;
    expect(next.getUTCDay()).toBe(1);
    expect(next.getUTCHours()).toBe(16);
  });

  it('gives a secret created without a value its first value by rotation', async () => {
    const arn = lambdaArn(`initial-${Date.now()}`);
    emu.rotation.register(arn, async (event) => {
      const { SecretId, ClientRequestToken, Step } = event;
      if (Step === 'createSecret') {
        await sm.send(
          new PutSecretValueCommand({
            SecretId,
            ClientRequestToken,
            SecretString: 'first',
            VersionStages: ['AWSPENDING'],
          }),
        );
        const stages = (await sm.send(new DescribeSecretCommand({ SecretId }))).VersionIdsToStages;
        expect(stages).toEqual({ [ClientRequestToken]: ['AWSPENDING'] });
      }
      if (Step === 'finishSecret') {
        // No version holds AWSCURRENT yet, so there is nothing to name in RemoveFromVersionId.
        await sm.send(
          new UpdateSecretVersionStageCommand({
            SecretId,
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: ClientRequestToken,
          }),
        );
      }
    });
    const name = uniqueName('empty');
    await sm.send(new CreateSecretCommand({ Name: name }));
    const rotated = await sm.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: arn }));
    expect(await emu.rotation.whenIdle(name)).toMatchObject({ status: 'succeeded' });
    const value = await sm.send(new GetSecretValueCommand({ SecretId: name }));
    expect(value).toMatchObject({
      SecretString: 'first',
      VersionId: rotated.VersionId,
      VersionStages: ['AWSCURRENT'],
    });
  });

  it('a new AWSCURRENT value put during a rotation abandons it: AWSPENDING leaves the in-progress version', async () => {
    const arn = lambdaArn(`abandoned-${Date.now()}`);
    emu.rotation.register(arn, (event) => {
      if (event.Step === 'setSecret') throw new Error('database unreachable');
    });
    const secret = await createSecret();
    const rotated = await sm.send(new RotateSecretCommand({ SecretId: secret.name, RotationLambdaARN: arn }));
    await emu.rotation.whenIdle(secret.name);
    const manual = await sm.send(
      new PutSecretValueCommand({ SecretId: secret.name, SecretString: 'manual' }),
    );
    const stages = (await sm.send(new DescribeSecretCommand({ SecretId: secret.name }))).VersionIdsToStages;
    expect(stages).toEqual({ [secret.initialVersion]: ['AWSPREVIOUS'], [manual.VersionId!]: ['AWSCURRENT'] });
    expect(stages?.[rotated.VersionId!]).toBeUndefined();
  });

  it('CancelRotateSecret turns rotation off and returns the unfinished version, leaving its label', async () => {
    const arn = lambdaArn(`cancel-${Date.now()}`);
    emu.rotation.register(arn, (event) => {
      if (event.Step === 'testSecret') throw new Error('test failed');
    });
    const secret = await createSecret();
    const rotated = await sm.send(new RotateSecretCommand({ SecretId: secret.name, RotationLambdaARN: arn }));
    await emu.rotation.whenIdle(secret.name);
    const cancelled = await sm.send(new CancelRotateSecretCommand({ SecretId: secret.name }));
    expect(cancelled.VersionId).toBe(rotated.VersionId);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: secret.name }));
    expect(described.RotationEnabled).toBe(false);
    expect(described.NextRotationDate).toBeUndefined();
    expect(described.VersionIdsToStages?.[rotated.VersionId!]).toEqual(['AWSPENDING']);
  });
});

describe('CancelRotateSecret during a rotation', () => {
  it('lets the running step finish and starts no further step', async () => {
    const arn = lambdaArn(`cancel-running-${Date.now()}`);
    const steps: string[] = [];
    let release: () => void = () => {};
    const inSetSecret = new Promise<void>((entered) => {
      emu.rotation.register(arn, async (event) => {
        steps.push(event.Step);
        if (event.Step === 'setSecret') {
          entered();
          await new Promise<void>((resolve) => {
            release = resolve;
          });
        }
      });
    });
    const secret = await createSecret();
    await sm.send(new RotateSecretCommand({ SecretId: secret.name, RotationLambdaARN: arn }));
    await inSetSecret;
    await sm.send(new CancelRotateSecretCommand({ SecretId: secret.name }));
    release();
    const outcome = await emu.rotation.whenIdle(secret.name);
    expect(outcome).toMatchObject({ status: 'cancelled', completedSteps: ['createSecret', 'setSecret'] });
    expect(steps).toEqual(['createSecret', 'setSecret']);
  });
});

describe('RotateSecret with an HTTP rotation function', () => {
  let server: Server;
  let url: string;
  const received: RotationEvent[] = [];
  let failStep: string | undefined;

  beforeAll(async () => {
    const rotate = templateRotationFunction(sm);
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', async () => {
        const event = JSON.parse(Buffer.concat(chunks).toString()) as RotationEvent;
        received.push(event);
        if (event.Step === failStep) {
          res.writeHead(500).end('{"errorMessage":"step failed"}');
          return;
        }
        try {
          await rotate(event);
          res.writeHead(200).end('null');
        } catch (error) {
          res.writeHead(500).end(JSON.stringify({ errorMessage: (error as Error).message }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rotate`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('POSTs each step as JSON and completes the rotation', async () => {
    const arn = lambdaArn(`http-${Date.now()}`);
    emu.rotation.register(arn, url);
    const secret = await createSecret();
    const rotated = await sm.send(new RotateSecretCommand({ SecretId: secret.name, RotationLambdaARN: arn }));
    expect(await emu.rotation.whenIdle(secret.name)).toMatchObject({ status: 'succeeded' });
    expect(received.filter((e) => e.ClientRequestToken === rotated.VersionId).map((e) => e.Step)).toEqual([
      'createSecret',
      'setSecret',
      'testSecret',
      'finishSecret',
    ]);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: secret.name }))).VersionId).toBe(
      rotated.VersionId,
    );
  });

  it('treats a non-2xx answer as a failed step', async () => {
    const arn = lambdaArn(`http-fail-${Date.now()}`);
    emu.rotation.register(arn, url);
    failStep = 'testSecret';
    const secret = await createSecret();
    await sm.send(new RotateSecretCommand({ SecretId: secret.name, RotationLambdaARN: arn }));
    const outcome = await emu.rotation.whenIdle(secret.name);
    failStep = undefined;
    expect(outcome).toMatchObject({ status: 'failed', failedStep: 'testSecret' });
    expect(outcome?.error).toContain('HTTP 500');
  });
});

describe('scheduled rotation (rotateDue)', () => {
  it('rotates a secret once its NextRotationDate has passed, and retries a failed one with the same token', async () => {
    let clock = Date.now();
    const timed = await startEmulator({ host: '127.0.0.1', port: 0, now: () => clock });
    try {
      const client = smClient(timed);
      const arn = lambdaArn('scheduled');
      let failNext = true;
      const tokens: string[] = [];
      timed.rotation.register(
        arn,
        templateRotationFunction(client, (event) => {
          if (event.Step === 'createSecret') tokens.push(event.ClientRequestToken);
          if (event.Step === 'testSecret' && failNext) {
            failNext = false;
            throw new Error('flaky database');
          }
        }),
      );
      await client.send(new CreateSecretCommand({ Name: 'scheduled', SecretString: '{"password":"p"}' }));
      await client.send(
        new RotateSecretCommand({
          SecretId: 'scheduled',
          RotationLambdaARN: arn,
          RotateImmediately: false,
          RotationRules: { AutomaticallyAfterDays: 1 },
        }),
      );
      expect(timed.rotation.rotateDue()).toEqual([]);
      clock += 86_400_000 + 1;
      const [started] = timed.rotation.rotateDue();
      expect(started).toMatch(/:secret:scheduled-/);
      expect(await timed.rotation.whenIdle('scheduled')).toMatchObject({
        status: 'failed',
        failedStep: 'testSecret',
      });
      // Still due: the next pass retries the unfinished rotation with its token.
      expect(timed.rotation.rotateDue()).toEqual([started]);
      expect(await timed.rotation.whenIdle('scheduled')).toMatchObject({ status: 'succeeded' });
      expect(tokens).toHaveLength(2);
      expect(tokens[1]).toBe(tokens[0]);
      const described = await client.send(new DescribeSecretCommand({ SecretId: 'scheduled' }));
      expect(described.NextRotationDate!.getTime()).toBe(described.LastRotatedDate!.getTime() + 86_400_000);
      expect(timed.rotation.rotateDue()).toEqual([]);
    } finally {
      await timed.close();
    }
  });
});

describe('NextRotationDate from RotationRules', () => {
  it('follows AutomaticallyAfterDays, rate() and cron() schedules in UTC', async () => {
    const clock = Date.UTC(2026, 0, 15, 10, 30); // Thursday 15 January 2026, 10:30 UTC
    const timed = await startEmulator({ host: '127.0.0.1', port: 0, now: () => clock });
    try {
      const client = smClient(timed);
      const arn = lambdaArn('schedules');
      timed.rotation.register(arn, () => {});
      await client.send(new CreateSecretCommand({ Name: 'scheduled', SecretString: 'x' }));
      const next = async (RotationRules: {
        AutomaticallyAfterDays?: number;
        ScheduleExpression?: string;
      }) => {
        await client.send(
          new RotateSecretCommand({
            SecretId: 'scheduled',
            RotationLambdaARN: arn,
            RotateImmediately: false,
            RotationRules,
          }),
        );
        return (
          await client.send(new DescribeSecretCommand({ SecretId: 'scheduled' }))
        ).NextRotationDate?.toISOString();
      };
      expect(await next({ AutomaticallyAfterDays: 7 })).toBe('2026-01-22T10:30:00.000Z');
      expect(await next({ ScheduleExpression: 'rate(12 hours)' })).toBe('2026-01-15T22:30:00.000Z');
      expect(await next({ ScheduleExpression: 'cron(0 4 1 * ? *)' })).toBe('2026-02-01T04:00:00.000Z');
      expect(await next({ ScheduleExpression: 'cron(0 8,20 ? * SAT,SUN *)' })).toBe(
        '2026-01-17T08:00:00.000Z',
      );
      expect(await next({ ScheduleExpression: 'cron(0 */6 * * ? *)' })).toBe('2026-01-15T12:00:00.000Z');
    } finally {
      await timed.close();
    }
  });
});
