import type { DatabaseEngine } from '../engines/engine.js';
import { Rotator } from '../protocol/rotator.js';
import { createSecretsManagerClient } from '../secrets-manager-client.js';

export type RotationHandler = (event: unknown) => Promise<void>;

/**
 * A Lambda handler for one engine family. The client and rotator are built on the first invocation and reused
 * while the execution environment stays warm.
 */
export function createLambdaHandler(engine: () => DatabaseEngine): RotationHandler {
  let rotator: Rotator | undefined;
  return async (event) => {
    rotator ??= new Rotator({ engine: engine(), secretsManager: createSecretsManagerClient() });
    await rotator.handle(event);
  };
}
