/**
 * The sidecar in front of a local Secrets Manager emulator, on 127.0.0.1: what `latchkey dev`, the demo, the tests
 * and the benchmarks start. Settings beyond the emulator's address come as configuration overrides.
 */
import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import type { LineSink } from './audit/audit-log.js';
import { type ConfigOverride, loadConfig } from './config/load.js';
import type { Logger } from './logger.js';
import { Sidecar } from './sidecar.js';
import { awsParameters, awsReaders } from './upstream/aws.js';

/** What the sidecar needs of an emulator (`@latchkey/emulator`'s `Emulator` has these). */
export interface EmulatorAddress {
  readonly endpoint: string;
  readonly region: string;
  readonly clientConfig: { readonly credentials: { accessKeyId: string; secretAccessKey: string } };
}

export interface SidecarOnEmulatorOptions {
  readonly emulator: EmulatorAddress;
  /** The sidecar's environment, where it finds its SSRF token (`AWS_TOKEN`…). */
  readonly env: NodeJS.ProcessEnv;
  /** The environment the configuration reads (the Lambda extension's variables); none by default, so that the
   * caller's own environment does not change a development or test sidecar. */
  readonly configEnv?: NodeJS.ProcessEnv;
  /** Port on 127.0.0.1; 0, the default, lets the system pick. */
  readonly port?: number;
  /** A configuration file, as `--config`. */
  readonly file?: string;
  /** Further settings, applied after the emulator's address. */
  readonly overrides?: readonly ConfigOverride[];
  readonly logger?: Logger;
  readonly auditSink?: LineSink;
  /** The AWS clients' credentials: the emulator's by default (a test of failing credentials passes its own). */
  readonly credentials?: SecretsManagerClientConfig['credentials'];
}

export function startSidecarOnEmulator(options: SidecarOnEmulatorOptions): Promise<Sidecar> {
  const { emulator } = options;
  const credentials = options.credentials ?? emulator.clientConfig.credentials;
  const config = loadConfig({
    file: options.file,
    env: options.configEnv ?? {},
    overrides: [
      { key: 'http_port', value: String(options.port ?? 0) },
      { key: 'bind', value: '127.0.0.1' },
      { key: 'endpoint', value: emulator.endpoint },
      { key: 'region', value: emulator.region },
      ...(options.overrides ?? []),
    ],
  });
  return Sidecar.start({
    config,
    env: options.env,
    readers: (c, deps) => awsReaders(c, deps, { credentials }),
    parameters: (c, deps) => awsParameters(c, deps, { credentials }),
    logger: options.logger,
    auditSink: options.auditSink,
  });
}
