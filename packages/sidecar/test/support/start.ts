/** Start an in-process sidecar on 127.0.0.1:0 over a FakeReader, with audit and logs captured. */

import type { ConfigOverride } from '../../src/config/load.js';
import { loadConfig } from '../../src/config/load.js';
import { Sidecar } from '../../src/sidecar.js';
import { captureLogger, LineCapture } from './capture.js';
import { FakeParameters } from './fake-parameters.js';
import { FakeReader } from './fake-reader.js';

export const TOKEN = 'test-token-5b1c';

export interface FakeSidecar {
  readonly sidecar: Sidecar;
  readonly url: string;
  readonly reader: FakeReader;
  readonly parameters: FakeParameters;
  readonly audit: LineCapture;
  readonly logs: LineCapture;
}

export async function startFakeSidecar(
  options: {
    file?: string;
    overrides?: ConfigOverride[];
    env?: NodeJS.ProcessEnv;
    reader?: FakeReader;
    parameters?: FakeParameters;
  } = {},
): Promise<FakeSidecar> {
  const env = options.env ?? { AWS_TOKEN: TOKEN };
  const config = loadConfig({
    file: options.file,
    env,
    overrides: [
      { key: 'http_port', value: '0' },
      { key: 'bind', value: '127.0.0.1' },
      ...(options.overrides ?? []),
    ],
  });
  const reader = options.reader ?? new FakeReader();
  const parameters = options.parameters ?? new FakeParameters();
  const audit = new LineCapture();
  const logs = new LineCapture();
  const sidecar = await Sidecar.start({
    config,
    env,
    readers: () => () => reader,
    parameters: () => parameters.cache(),
    auditSink: audit,
    logger: captureLogger(logs),
  });
  return { sidecar, url: sidecar.url, reader, parameters, audit, logs };
}
