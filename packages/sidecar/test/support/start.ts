/** Start an in-process sidecar on 127.0.0.1:0 over a FakeReader, with audit and logs captured. */

import type { ConfigOverride } from '../../src/config/load.js';
import { loadConfig } from '../../src/config/load.js';
import { Sidecar } from '../../src/sidecar.js';
import { captureLogger, LineCapture } from './capture.js';
import { FakeReader } from './fake-reader.js';

export const TOKEN = 'test-token-5b1c';

export interface FakeSidecar {
  readonly sidecar: Sidecar;
  readonly url: string;
  readonly reader: FakeReader;
  readonly audit: LineCapture;
  readonly logs: LineCapture;
}

export async function startFakeSidecar(
  options: { file?: string; overrides?: ConfigOverride[]; env?: NodeJS.ProcessEnv; reader?: FakeReader } = {},
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
  const audit = new LineCapture();
  const logs = new LineCapture();
  const sidecar = await Sidecar.start({
    config,
    env,
    readers: () => () => reader,
    auditSink: audit,
    logger: captureLogger(logs),
  });
  return { sidecar, url: sidecar.url, reader, audit, logs };
}
