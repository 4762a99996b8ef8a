/**
 * The sidecar as an AWS Lambda external extension: register with the Extensions API, start the sidecar (the same
 * `Sidecar.start` as `latchkey serve`) on PARAMETERS_SECRETS_EXTENSION_HTTP_PORT before the first `event/next`, so
 * the function's init code can already read secrets, then follow the lifecycle until SHUTDOWN, when in-flight
 * requests finish before Lambda's deadline. A fatal start-up error is reported with `init/error`, then exit 1.
 * Logs are JSON lines on stdout, which Lambda sends to CloudWatch.
 */
import pino from 'pino';
import { TokenError } from '../auth/token.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import type { SidecarConfig } from '../config/schema.js';
import { BindError } from '../http/listeners.js';
import { createLogger, type Logger } from '../logger.js';
import { Sidecar } from '../sidecar.js';
import { waitForSignals } from '../signals.js';
import { awsParameters, awsReaders } from '../upstream/aws.js';
import { SIDECAR_VERSION } from '../version.js';
import { ExtensionsApi, type Registration } from './extensions-api.js';

/** The file name in /opt/extensions; Lambda requires the registered name to match it. */
export const EXTENSION_NAME = 'latchkey';

/** Left of Lambda's shutdown deadline for closing the caches, the last log line and the exit. */
const SHUTDOWN_MARGIN_MS = 100;

/** A start-up failure Lambda is told about: `errorType` is the `Category.Reason` sent with `init/error`. */
export class ExtensionStartError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExtensionStartError';
  }
}

/** Runs the extension until SHUTDOWN (or SIGTERM); resolves with the exit code. */
export async function runLambdaExtension(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const logger = createLogger({ level: 'info', destination: pino.destination({ dest: 1, sync: true }) });
  // Node's own warnings as JSON lines too (the layer starts node with --no-warnings, which stops the plain-text copy).
  process.on('warning', ({ name, message }) =>
    logger.warn({ warning: { name, message } }, 'Node.js warning'),
  );
  const runtimeApi = env.AWS_LAMBDA_RUNTIME_API;
  if (runtimeApi === undefined || runtimeApi === '') {
    logger.fatal(
      'AWS_LAMBDA_RUNTIME_API is not set: the Lambda extension runs only in a Lambda execution environment (use latchkey serve elsewhere)',
    );
    return 1;
  }
  const api = new ExtensionsApi(runtimeApi);
  let registration: Registration;
  try {
    registration = await api.register(EXTENSION_NAME, ['INVOKE', 'SHUTDOWN']);
  } catch (error) {
    logger.fatal({ err: error }, 'could not register with the Lambda Extensions API');
    api.close();
    return 1;
  }

  let sidecar: Sidecar;
  try {
    sidecar = await startSidecar(env, logger);
  } catch (error) {
    const errorType = startErrorType(error);
    const message = (error as Error).message;
    logger.fatal({ errorType }, `start-up failed: ${message}`);
    await api.initError(errorType, message).catch((reportError: unknown) => {
      logger.error({ err: reportError }, 'could not report the start-up failure to Lambda');
    });
    api.close();
    return 1;
  }
  logger.info(
    {
      version: SIDECAR_VERSION,
      functionName: registration.functionName,
      functionVersion: registration.functionVersion,
    },
    'Lambda extension ready',
  );
  try {
    return await Promise.race([waitForSignals(sidecar), followLifecycle(api, sidecar, logger)]);
  } finally {
    api.close();
  }
}

async function startSidecar(env: NodeJS.ProcessEnv, logger: Logger): Promise<Sidecar> {
  const file = env.LATCHKEY_CONFIG === '' ? undefined : env.LATCHKEY_CONFIG;
  const config = loadConfig({ file, env });
  logger.level = config.logLevel === 'none' ? 'silent' : config.logLevel;
  requireAwsSettings(config, env);
  // No STS check of the credentials (validate_credentials): Lambda issues them from the function's role, and a
  // call to STS would add to every cold start and fail it while STS is unreachable.
  return Sidecar.start({ config, env, readers: awsReaders, parameters: awsParameters, logger });
}

/** Lambda sets the region and the role's credentials; without them every read would fail, so say so at once. */
function requireAwsSettings(config: SidecarConfig, env: NodeJS.ProcessEnv): void {
  const set = (name: string) => env[name] !== undefined && env[name] !== '';
  if (config.region === undefined && !set('AWS_REGION') && !set('AWS_DEFAULT_REGION')) {
    throw new ExtensionStartError(
      'Extension.MissingRegion',
      'no AWS region: AWS_REGION is not set (Lambda sets it; elsewhere set AWS_REGION or region in LATCHKEY_CONFIG)',
    );
  }
  const staticKeys = set('AWS_ACCESS_KEY_ID') && set('AWS_SECRET_ACCESS_KEY');
  const containerCredentials =
    set('AWS_CONTAINER_CREDENTIALS_FULL_URI') || set('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI');
  if (!staticKeys && !containerCredentials && config.credentialsFilePath === undefined) {
    throw new ExtensionStartError(
      'Extension.MissingCredentials',
      'no AWS credentials: neither AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set (Lambda sets them from the execution role)',
    );
  }
}

function startErrorType(error: unknown): string {
  if (error instanceof ExtensionStartError) return error.errorType;
  if (error instanceof ConfigError) return 'Extension.ConfigInvalid';
  if (error instanceof TokenError) return 'Extension.MissingToken';
  if (error instanceof BindError) return 'Extension.PortUnavailable';
  return 'Extension.StartFailed';
}

/** Waits on `event/next` until SHUTDOWN; INVOKE needs nothing (the sidecar serves on its own). */
async function followLifecycle(api: ExtensionsApi, sidecar: Sidecar, logger: Logger): Promise<number> {
  for (;;) {
    let event: Awaited<ReturnType<ExtensionsApi['next']>>;
    try {
      event = await api.next();
    } catch (error) {
      logger.error({ err: error }, 'the Extensions API failed; stopping');
      await sidecar.close(0);
      return 1;
    }
    if (event.eventType === 'SHUTDOWN') {
      const graceMs = Math.max(0, event.deadlineMs - Date.now() - SHUTDOWN_MARGIN_MS);
      logger.info({ reason: event.shutdownReason, graceMs }, 'shutting down');
      await sidecar.close(graceMs);
      return 0;
    }
  }
}
