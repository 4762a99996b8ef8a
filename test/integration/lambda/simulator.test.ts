/**
 * The emulator's Lambda simulator on its own, with a stand-in extension that follows the Extensions API but never
 * exits by itself: what Lambda does that the layer tests do not reach (the SIGKILL at the Shutdown deadline, the
 * rule that only a file in /opt/extensions may subscribe to SHUTDOWN, INVOKE delivery, a runtime's error answer).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LambdaInitError, LambdaSimulator, type LambdaSimulatorOptions } from '@latchkey/emulator';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/ports.js';

const NODE_FUNCTION = join(dirname(fileURLToPath(import.meta.url)), 'functions', 'node-runtime.mjs');

/** Registers under its file name (or REGISTER_AS), prints each event type, ignores SIGTERM and SHUTDOWN alike. */
const STUBBORN = `#!/usr/bin/env node
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2020-01-01/extension';
const registered = await fetch(api + '/register', {
  method: 'POST',
  headers: { 'Lambda-Extension-Name': process.env.REGISTER_AS ?? 'stubborn' },
  body: JSON.stringify({ events: ['INVOKE', 'SHUTDOWN'] }),
});
if (registered.status !== 200) {
  console.log('register', registered.status, (await registered.json()).errorType);
  process.exit(3);
}
const id = registered.headers.get('lambda-extension-identifier');
process.on('SIGTERM', () => {});
for (;;) {
  const next = await fetch(api + '/event/next', { headers: { 'Lambda-Extension-Identifier': id } });
  console.log((await next.json()).eventType);
}
`;

let dir: string;
let layer: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-simulator-'));
  layer = join(dir, 'stubborn.zip');
  const entry = (text: string, mode: number) =>
    [new TextEncoder().encode(text), { os: 3, attrs: (mode << 16) >>> 0 }] as const;
  await writeFile(layer, zipSync({ 'extensions/stubborn': [...entry(STUBBORN, 0o100755)] }));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function start(environment: Record<string, string> = {}): Promise<LambdaSimulator> {
  const options: LambdaSimulatorOptions = {
    layers: [layer],
    runtime: { command: process.execPath, args: [NODE_FUNCTION] },
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'token' },
    path: [dirname(process.execPath)],
    // Nothing listens there: the function's read fails, and it answers with an error.
    environment: { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(await freePort()), ...environment },
  };
  return LambdaSimulator.start(options);
}

describe('LambdaSimulator', () => {
  it('sends INVOKE to extensions, passes the runtime error answer on, and SIGKILLs an extension still running at the Shutdown deadline', async () => {
    const simulator = await start();
    try {
      const invocation = await simulator.invoke({ path: '/ping' });
      expect(invocation.errorType).toBe('Runtime.HandlerError');
      const stubborn = simulator.extensions[0]!;
      expect(stubborn.output).toBe('INVOKE\n');
      const outcome = await simulator.shutdown();
      expect(outcome.extensions).toEqual([
        expect.objectContaining({ name: 'stubborn', code: null, signal: 'SIGKILL', beforeDeadline: false }),
      ]);
      expect(stubborn.output).toBe('INVOKE\nSHUTDOWN\n');
      expect(Date.now()).toBeGreaterThanOrEqual(outcome.deadlineMs);
    } finally {
      await simulator.dispose();
    }
  });

  it('refuses SHUTDOWN to a name that is not a file in /opt/extensions, which fails Init', async () => {
    const failure = await start({ REGISTER_AS: 'not-a-file' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LambdaInitError);
    expect((failure as LambdaInitError).message).toBe(
      'not every extension registered: stubborn exited (code 3)',
    );
    expect((failure as LambdaInitError).processes[0]?.output).toBe(
      'register 403 Extension.InvalidEventType\n',
    );
  });
});
